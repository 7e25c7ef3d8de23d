"""Benchmark "cluster": the end-to-end run (bench/end_to_end.py: transfers at 500 commands a
second through `azora run`, from each 202 until its outcome is visible) on the repo's
three-broker cluster, every topic on three brokers with min.insync.replicas 2 and every
write acks=all, beside the same run on one broker in the same invocation, as a ratio.

Then the same rate on the cluster once more, with the broker leading most of the busiest
partitions SIGKILLed a third of the way in: how long until commands went through at their
usual latency again (the recovery time), and what the failover cost meanwhile.

The cluster is `infra/kafka/kafka.sh` with AZORA_KAFKA_BROKERS=3 (started if it is not
running, and stopped again afterwards if this started it); the one broker is the one
KAFKA_BOOTSTRAP_SERVERS names, as for every other benchmark.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from azora.kafka import delete_topics
from azora.settings import Settings
from azora.topic_setup import apply_topics
from azora.topics import TopicNames
from bench.databases import fresh_database
from bench.end_to_end import RATE
from bench.percentiles import percentile
from bench.result import Result
from bench.stack_load import USERS, StackRun, fund, through_the_stack

KAFKA = Path(__file__).resolve().parents[1] / "infra" / "kafka" / "kafka.sh"
SECONDS = 60
# A failover is over once latency is back under this multiple of the pre-kill p99.
RECOVERED_AT = 2.0
GOAL_RATIO = 1.5
GOAL_RECOVERY_S = 30.0


def _kafka(*args: str) -> str:
    env = {**os.environ, "AZORA_KAFKA_BROKERS": "3"}
    done = subprocess.run([str(KAFKA), *args], env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"kafka.sh {' '.join(args)}: {done.stderr.strip()[-2000:]}")
    return done.stdout.strip()


@dataclass(frozen=True)
class Failover:
    """What a leader kill in the middle of the fixed rate did."""

    node: int
    partitions_led: int
    # From the SIGKILL until commands were accepted and visible at their usual latency.
    recovery_s: float
    # The longest stretch after the kill in which no command was accepted.
    longest_gap_s: float
    slow_commands: int
    max_ms: float
    not_accepted: int
    lost: int


async def run(seconds: int = SECONDS, rate: int = RATE) -> Result:
    """The cluster's figures beside the one broker's, `rate` commands/s (500 by default; a
    lower rate shows what replication costs when the machine's cores are not saturated)."""
    was_running = await asyncio.to_thread(_running)
    await asyncio.to_thread(_kafka, "start")
    try:
        cluster = await asyncio.to_thread(_kafka, "bootstrap")
        one = await _end_to_end(Settings(), seconds, rate)
        three = await _end_to_end(Settings(kafka_bootstrap_servers=cluster), seconds, rate)
        killed = await _with_a_leader_kill(Settings(kafka_bootstrap_servers=cluster), seconds, rate)
    finally:
        if not was_running:
            await asyncio.to_thread(_kafka, "stop")
    (run_three, _), (run_one, _) = three, one
    (_, failover) = killed
    ratio = run_three.p99_ms / run_one.p99_ms
    return Result(
        name="cluster",
        figure=f"ms from a command's 202 to its outcome visible, {rate}/s for {seconds} s, "
        "three brokers (replication 3, min.insync.replicas 2, acks=all)",
        value=round(run_three.p99_ms, 1),
        unit="ms p99",
        baseline="the same run on one broker",
        baseline_value=round(run_one.p99_ms, 1),
        ratio=round(ratio, 3),
        goal=f"p99 <= {GOAL_RATIO} x one broker's; back to normal <= {GOAL_RECOVERY_S:.0f} s "
        "after a leader kill; nothing lost",
        passed=ratio <= GOAL_RATIO
        and failover.recovery_s <= GOAL_RECOVERY_S
        and run_one.lost == run_three.lost == failover.lost == 0,
        rows=[
            *_rows("one broker", run_one),
            *_rows("three brokers", run_three),
            (
                "leader kill: node / partitions it led",
                f"{failover.node} / {failover.partitions_led}",
            ),
            ("leader kill: back to normal after", f"{failover.recovery_s:.1f} s"),
            ("leader kill: longest time nothing was accepted", f"{failover.longest_gap_s:.1f} s"),
            (
                f"leader kill: commands slower than {RECOVERED_AT:g} x p99 / slowest",
                f"{failover.slow_commands:,} / {failover.max_ms:,.0f} ms",
            ),
            (
                "leader kill: not accepted (retried by clients) / lost",
                f"{failover.not_accepted:,} / {failover.lost:,}",
            ),
        ],
        details={"one": asdict(run_one), "three": asdict(run_three), "failover": asdict(failover)},
    )


def _rows(label: str, stack: StackRun) -> list[tuple[str, str]]:
    return [
        (
            f"{label}: 202 → visible p50 / p99 / max",
            f"{stack.p50_ms:.1f} / {stack.p99_ms:.1f} / {stack.max_ms:.1f} ms",
        ),
        (f"{label}: achieved rate / lost", f"{stack.rate:,.0f}/s / {stack.lost:,}"),
    ]


def _running() -> bool:
    env = {**os.environ, "AZORA_KAFKA_BROKERS": "3"}
    return subprocess.run([str(KAFKA), "status"], env=env, capture_output=True).returncode == 0


async def _end_to_end(
    base: Settings,
    seconds: int,
    rate: int,
    meanwhile: Callable[[TopicNames, Settings], Coroutine[Any, Any, None]] | None = None,
) -> tuple[StackRun, list[tuple[float, float]]]:
    """One end-to-end run in a fresh database and topic prefix on `base`'s brokers."""
    prefix = f"bench-{secrets.token_hex(4)}."
    names = TopicNames(prefix=prefix)
    timeline: list[tuple[float, float]] = []
    async with fresh_database(base.database_url, checkpoint_first=True) as database_url:
        settings = base.model_copy(update={"topic_prefix": prefix, "database_url": database_url})
        await apply_topics(settings, names)
        try:
            users = [uuid.uuid4() for _ in range(USERS)]
            await fund(settings, names, users)
            stack = await through_the_stack(
                settings,
                prefix,
                users,
                rate=rate,
                seconds=seconds,
                meanwhile=(lambda: meanwhile(names, settings)) if meanwhile else None,
                timeline=timeline,
            )
        finally:
            await delete_topics(settings, names.all_physical())
    return stack, timeline


async def _with_a_leader_kill(
    settings: Settings, seconds: int, rate: int
) -> tuple[StackRun, Failover]:
    kill: dict[str, Any] = {}

    async def kill_the_busiest_leader(names: TopicNames, settings: Settings) -> None:
        await asyncio.sleep(seconds / 3)
        node, led = await _busiest_leader(settings, names)
        kill["at"] = time.perf_counter()
        await asyncio.to_thread(_kafka, "kill-node", str(node))
        kill.update(node=node, led=led)

    stack, timeline = await _end_to_end(settings, seconds, rate, kill_the_busiest_leader)
    await asyncio.to_thread(_kafka, "start-node", str(kill["node"]))
    return stack, _failover(stack, timeline, kill["at"], kill["node"], kill["led"])


def _failover(
    stack: StackRun, timeline: list[tuple[float, float]], killed_at: float, node: int, led: int
) -> Failover:
    before = [ms for at, ms in timeline if at < killed_at]
    after = [(at, ms) for at, ms in timeline if at >= killed_at]
    normal_ms = RECOVERED_AT * percentile(before, 0.99) if before else 0.0
    slow = [(at, ms) for at, ms in after if ms > normal_ms]
    # Recovered when the last slow command became visible (nothing after it was slow) and
    # commands were being accepted again (a stall longer than a second counts till its end).
    recovered_at = max((at + ms / 1000 for at, ms in slow), default=killed_at)
    accepted = [killed_at] + [at for at, _ in after]
    gaps = [(b - a, b) for a, b in pairwise(accepted)]
    stalled_until = max((end for gap, end in gaps if gap > 1.0), default=killed_at)
    return Failover(
        node=node,
        partitions_led=led,
        recovery_s=max(recovered_at, stalled_until) - killed_at,
        longest_gap_s=max((gap for gap, _ in gaps), default=0.0),
        slow_commands=len(slow),
        max_ms=max((ms for _, ms in after), default=0.0),
        not_accepted=stack.sent - stack.accepted,
        lost=stack.lost,
    )


async def _busiest_leader(settings: Settings, names: TopicNames) -> tuple[int, int]:
    """The broker leading most of the ten partitions with the most records, and how many
    partitions of the run's topics it leads."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        described = await admin.describe_topics(names.all_physical())
    finally:
        await admin.close()
    leaders = {
        TopicPartition(d["topic"], p["partition"]): p["leader"]
        for d in described
        for p in d["partitions"]
    }
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(list(leaders))
    finally:
        await consumer.stop()
    busiest = sorted(leaders, key=lambda tp: ends[tp], reverse=True)[:10]
    node = Counter(leaders[tp] for tp in busiest).most_common(1)[0][0]
    return node, sum(1 for leader in leaders.values() if leader == node)
