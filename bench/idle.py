"""Benchmark "idle": how much of one core a whole stack uses with no traffic at all.

The stack is `azora run` (the ingress, every consumer, the relay, the lag exporter) in a
private world: its own topic prefix and a fresh database. Once ready it settles (groups
join, partitions are assigned and sought) and is then read from /proc for a window in which
nothing is sent. Counted: every process of the stack, `azora run` itself, the broker (its
pid from the state dir, when this repository started it) and the whole Postgres cluster
the stack's database lives in, when it runs on this machine: the postmaster, its
background processes (checkpointer, WAL writer, autovacuum launcher), every backend and
the autovacuum workers that come and go.

Baseline, in the same run: the broker alone over the same length of window, before the
stack starts (what a broker costs with no Azora client at all).
"""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path

import asyncpg

from azora.kafka import delete_topics
from azora.settings import Settings
from azora.topic_setup import apply_topics
from azora.topics import TopicNames
from bench import cpu, servers
from bench.databases import fresh_database
from bench.judging import at_most
from bench.result import Result

GOAL_PERCENT = 5.0
SETTLE_S = 20.0
WINDOW_S = 30.0
# The whole Postgres cluster, counted as one (its processes come and go).
POSTGRES = "postgres (the whole cluster)"
REPO = Path(__file__).resolve().parents[1]


async def run() -> Result:
    """Start an idle stack, sample its CPU, report the total against the goal."""
    prefix = f"bench-{secrets.token_hex(4)}."
    async with fresh_database(Settings().database_url) as database_url:
        settings = Settings(topic_prefix=prefix, database_url=database_url)
        names = TopicNames(prefix=prefix)
        await apply_topics(settings, names)
        try:
            broker = broker_pid()
            await asyncio.sleep(SETTLE_S)  # the broker, too, settles after making topics
            alone = (
                await asyncio.to_thread(cpu.sample, {"broker": broker}, WINDOW_S)
                if broker is not None
                else None
            )
            usage = await _idle_stack(settings, prefix, broker)
        finally:
            await delete_topics(settings, names.all_physical())
    total = usage.total
    baseline = alone.total if alone is not None else 0.0
    return Result(
        name="idle",
        figure=f"% of one core used by an idle stack over {usage.seconds:.0f} s, no traffic",
        value=round(total, 2),
        unit="% of a core",
        baseline="the broker alone, before the stack starts"
        if alone is not None
        else "none (the broker is not this repository's)",
        baseline_value=round(baseline, 2),
        ratio=round(total / baseline, 3) if baseline else 0.0,
        goal=f"<= {GOAL_PERCENT:.0f}% of one core in total",
        passed=total <= GOAL_PERCENT,
        rows=[
            *[
                (name, f"{percent:.2f} %")
                for name, percent in sorted(usage.percent.items(), key=lambda kv: -kv[1])
            ],
            ("total", f"{total:.2f} %"),
        ],
        details={"percent": usage.percent, "broker_alone": baseline},
        figures=[at_most("idle stack, CPU", round(total, 2), "% of a core", GOAL_PERCENT)],
    )


async def _idle_stack(settings: Settings, prefix: str, broker: int | None) -> cpu.Usage:
    port = servers.free_port()
    env = {
        "AZORA_TOPIC_PREFIX": prefix,
        "AZORA_DATABASE_URL": settings.database_url,
        "AZORA_INGRESS_PORT": str(port),
        "AZORA_METRICS_PORT_BASE": str(servers.free_port()),
        "AZORA_LOG_LEVEL": "WARNING",
    }
    stack = await asyncio.to_thread(
        servers.start, ["-m", "stack", "run"], env, f"http://127.0.0.1:{port}/readyz", 180.0
    )
    try:
        await asyncio.sleep(SETTLE_S)
        pids = {"azora run": stack.pid, **servers.children(stack.pid)}
        if broker is not None:
            pids["broker"] = broker
        postmaster = await postgres_postmaster(settings.database_url)
        if postmaster is not None:
            pids[POSTGRES] = postmaster
        return await asyncio.to_thread(cpu.sample, pids, WINDOW_S, frozenset({POSTGRES}))
    finally:
        await asyncio.to_thread(servers.stop, stack)


def broker_pid() -> int | None:
    """The pid of the broker `infra/kafka/kafka.sh` started from this state dir, if it runs."""
    state = Path(os.environ.get("AZORA_STATE_DIR", REPO / ".azora"))
    try:
        pid = int((state / "kafka" / "kafka.pid").read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if Path(f"/proc/{pid}").exists() else None


async def postgres_postmaster(database_url: str) -> int | None:
    """The local pid of the postmaster serving `database_url` (the parent of the backend
    this connection is given), or None for a Postgres elsewhere (a container, another
    host), whose pids this machine cannot read."""
    conn = await asyncpg.connect(database_url)
    try:
        backend: int = await conn.fetchval("SELECT pg_backend_pid()")
        if not _is_postgres(backend):
            return None
        parent = cpu.parent_of(backend)
    finally:
        await conn.close()
    return parent if _is_postgres(parent) else None


def _is_postgres(pid: int) -> bool:
    try:
        return "postgres" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except (FileNotFoundError, PermissionError):
        return False
