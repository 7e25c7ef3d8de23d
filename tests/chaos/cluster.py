"""The three brokers under the chaos run's hands, and an eye on what moves.

`Brokers` SIGKILLs the leader of the busiest partitions and starts it again, and rolls all
three one by one as an operator would: stop one cleanly, start it, wait until it is back in
every partition's in-sync replicas, then the next. `Watch` samples the partition leaders and
the consumer groups' assignments every second and counts how often they changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaTimeoutError

from azora.kafka import client_kwargs
from azora.settings import Settings
from tests.support.cluster import (
    PartitionState,
    Position,
    admin,
    group_assignment,
    partition_states,
)

REPO = Path(__file__).resolve().parents[2]
KAFKA = REPO / "infra" / "kafka" / "kafka.sh"
NODES = (1, 2, 3)
# Kafka's own topic of committed offsets is replicated too: a roll must wait for it as well.
OFFSETS_TOPIC = "__consumer_offsets"
# A broker back from a restart catches up with what it missed; on two shared cores, slowly.
CATCH_UP_S = 600.0


def cluster_is_on() -> bool:
    """True when the tests run against the repo's three-broker cluster."""
    return os.environ.get("AZORA_KAFKA_BROKERS") == "3"


def _kafka(*args: str) -> None:
    # A node starting on a machine this busy may take minutes to rejoin: wait that long.
    env = {**os.environ, "AZORA_KAFKA_WAIT_TIMEOUT": str(int(CATCH_UP_S))}
    done = subprocess.run(
        [str(KAFKA), *args], env=env, capture_output=True, text=True, timeout=2 * CATCH_UP_S
    )
    assert done.returncode == 0, f"kafka.sh {' '.join(args)}: {done.stderr[-3000:]}"


@dataclass
class Brokers:
    """Hands on the cluster's nodes; node n of kafka.sh is the broker with id n."""

    settings: Settings
    topics: list[str]
    leader_kills: list[int] = field(default_factory=list)
    rolled: list[int] = field(default_factory=list)
    # Seconds from a SIGKILL until every partition it led had a live leader again.
    failover_s: list[float] = field(default_factory=list)
    # Seconds from starting a broker until it was back in every partition's in-sync replicas.
    back_in_sync_s: list[float] = field(default_factory=list)

    async def kill_busiest_leader(self) -> int:
        """SIGKILL the broker leading most of the busiest partitions; wait for new leaders."""
        node = await self.busiest_leader()
        started = time.monotonic()
        await asyncio.to_thread(_kafka, "kill-node", str(node))
        self.leader_kills.append(node)
        await self._until(
            lambda states: bool(states) and all(s.leader not in (node, -1) for s in states.values())
        )
        self.failover_s.append(time.monotonic() - started)
        return node

    async def restart(self, node: int) -> None:
        """Start `node` again and wait until it is back in every in-sync replica set."""
        started = time.monotonic()
        await asyncio.to_thread(_kafka, "start-node", str(node))
        await self.until_fully_replicated()
        self.back_in_sync_s.append(time.monotonic() - started)

    async def roll(self) -> None:
        """Restart every broker in turn, each only once the one before has caught up."""
        for node in NODES:
            await asyncio.to_thread(_kafka, "stop-node", str(node))
            await self.restart(node)
            self.rolled.append(node)

    async def busiest_leader(self) -> int:
        """The leader of most of the partitions holding the most records."""
        async with admin(self.settings) as client:
            states = await partition_states(client, self.topics)
        ends = await self._end_offsets(list(states))
        busiest = sorted(states, key=lambda p: ends.get(p, 0), reverse=True)[:10]
        leaders = Counter(states[p].leader for p in busiest if states[p].leader in NODES)
        return leaders.most_common(1)[0][0]

    async def until_fully_replicated(self) -> None:
        """Wait until every partition (Kafka's offsets topic too) has all replicas in sync."""
        await self._until(
            lambda states: (
                bool(states) and all(set(s.in_sync) == set(s.replicas) for s in states.values())
            ),
            with_offsets_topic=True,
        )

    async def _until(
        self,
        holds: Callable[[dict[Position, PartitionState]], bool],
        *,
        with_offsets_topic: bool = False,
    ) -> None:
        topics = [*self.topics, *([OFFSETS_TOPIC] if with_offsets_topic else [])]
        deadline = time.monotonic() + CATCH_UP_S
        last: dict[Position, PartitionState] = {}
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):  # a broker going down may fail a look
                async with admin(self.settings) as client:
                    last = await asyncio.wait_for(partition_states(client, topics), 10)
                if holds(last):
                    return
            await asyncio.sleep(0.25)
        raise AssertionError(f"the cluster did not get there in {CATCH_UP_S:.0f}s: {last}")

    async def _end_offsets(self, positions: list[Position]) -> dict[Position, int]:
        # A busy machine may take longer than the client's 40 s to answer: ask again.
        consumer = AIOKafkaConsumer(
            **client_kwargs(self.settings), enable_auto_commit=False, request_timeout_ms=120_000
        )
        await consumer.start()
        try:
            wanted = [TopicPartition(t, p) for t, p in positions]
            for attempts_left in reversed(range(5)):
                try:
                    ends = await consumer.end_offsets(wanted)
                    break
                except KafkaTimeoutError:
                    if not attempts_left:
                        raise
        finally:
            await consumer.stop()
        return {(tp.topic, tp.partition): offset for tp, offset in ends.items()}


@dataclass
class Watch:
    """Counts leader changes and consumer-group rebalances, sampling once a second."""

    settings: Settings
    topics: list[str]
    groups: list[str]
    leader_changes: int = 0
    rebalances: Counter[str] = field(default_factory=Counter)
    _leaders: dict[Position, int] = field(default_factory=dict)
    _assignments: dict[str, frozenset[tuple[str, frozenset[Position]]]] = field(
        default_factory=dict
    )

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(Exception):  # brokers come and go under it
                await asyncio.wait_for(self._sample(), 10)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)

    async def _sample(self) -> None:
        async with admin(self.settings) as client:
            states = await partition_states(client, self.topics)
            for position, state in states.items():
                before = self._leaders.get(position)
                # Leaderless for a moment, then a new leader: one change, counted when it lands.
                if state.leader == -1:
                    continue
                if before is not None and state.leader != before:
                    self.leader_changes += 1
                self._leaders[position] = state.leader
            for group in self.groups:
                members = await group_assignment(client, group)
                now = frozenset((m, frozenset(ps)) for m, ps in members.items())
                # Members whose assignment is empty are mid-rebalance: wait for its outcome.
                if not members or not all(members.values()):
                    continue
                before_assignment = self._assignments.get(group)
                if before_assignment is not None and now != before_assignment:
                    self.rebalances[group] += 1
                self._assignments[group] = now
