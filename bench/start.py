"""Benchmark "start": how long a second `make run` takes until the ingress's /readyz answers.

The world is what a developer has after a first `make run`: Kafka and Postgres running,
the schemas migrated, the topics made, the consumer groups known. The benchmark gives
`azora run` such a world of its own (a topic prefix and a fresh database), starts it once
(the first start, reported) and stops it, then times the second start from the process's
launch until `/readyz` answers 200, polled every 0.2 s. `make run`'s own steps before
`azora run` (migrations and topics, which find nothing to do) are not counted.

No baseline: the goal is absolute.
"""

from __future__ import annotations

import asyncio
import secrets
import time

from azora.kafka import delete_topics
from azora.settings import Settings
from azora.topic_setup import apply_topics
from azora.topics import TopicNames
from bench import servers
from bench.databases import fresh_database
from bench.judging import at_most
from bench.result import Result

GOAL_S = 10.0
TIMEOUT_S = 180.0


async def run() -> Result:
    """Start a stack twice in a private world; judge the second start."""
    prefix = f"bench-{secrets.token_hex(4)}."
    async with fresh_database(Settings().database_url) as database_url:
        settings = Settings(topic_prefix=prefix, database_url=database_url)
        names = TopicNames(prefix=prefix)
        await apply_topics(settings, names)
        try:
            first = await asyncio.to_thread(_start_and_stop, prefix, database_url)
            second = await asyncio.to_thread(_start_and_stop, prefix, database_url)
        finally:
            await delete_topics(settings, names.all_physical())
    return Result(
        name="start",
        figure="seconds from launching `azora run` until /readyz answers, the second time",
        value=round(second, 2),
        unit="s",
        baseline="the first start in the same world",
        baseline_value=round(first, 2),
        ratio=round(second / first, 3),
        goal=f"second start <= {GOAL_S:.0f} s",
        passed=second <= GOAL_S,
        rows=[
            ("first start (groups new)", f"{first:.2f} s"),
            ("second start (the judged one)", f"{second:.2f} s"),
        ],
        details={"first_s": first, "second_s": second},
        figures=[at_most("second start until ready", round(second, 2), "s", GOAL_S)],
    )


def _start_and_stop(prefix: str, database_url: str) -> float:
    """Seconds until a new `azora run` was ready; it is stopped again before returning."""
    port = servers.free_port()
    env = {
        "AZORA_TOPIC_PREFIX": prefix,
        "AZORA_DATABASE_URL": database_url,
        "AZORA_INGRESS_PORT": str(port),
        "AZORA_METRICS_PORT_BASE": str(servers.free_port()),
        "AZORA_LOG_LEVEL": "WARNING",
    }
    began = time.monotonic()
    stack = servers.start(["-m", "stack", "run"], env, f"http://127.0.0.1:{port}/readyz", TIMEOUT_S)
    took = time.monotonic() - began
    servers.stop(stack)
    return took
