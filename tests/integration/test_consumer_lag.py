"""The lag exporter sees a stopped consumer group as Kafka's own tool does, and judges it."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from azora.messages import message_key
from azora.partitioner import partition_for
from schemas import catalogue
from schemas.registration import UserRegistrationRequested
from stack import composition
from stack.lag.collector import LagCollector
from stack.lag.exporter import watch_lag
from stack.lag.report import GroupReport
from stack.lag.sampling import LagSampler
from stack.lag.status import Status
from tests.support.world import World, eventually, running

pytestmark = pytest.mark.integration

KAFKA = Path(__file__).parents[2] / "infra" / "kafka" / "kafka.sh"
HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"


def registrations(count: int) -> list[UserRegistrationRequested]:
    run = uuid.uuid4().hex[:8]
    return [
        UserRegistrationRequested(
            user_id=uuid.uuid4(),
            email=f"lag-{run}-{i}@example.org",
            display_name=f"user {i}",
            password_hash=HASH,
        )
        for i in range(count)
    ]


def registrations_on_every_partition() -> list[UserRegistrationRequested]:
    """Registrations, at least one on each partition of their topic (keys hashed as Kafka's
    producer does), so the group then has a committed offset on every partition."""
    spec = catalogue.USER_REGISTRATION_REQUESTED
    every = list(range(spec.partitions))
    chosen: dict[int, UserRegistrationRequested] = {}
    while len(chosen) < spec.partitions:
        [candidate] = registrations(1)
        chosen.setdefault(partition_for(message_key(spec, candidate), every, every), candidate)
    return list(chosen.values())


def kafka_tool_positions(bootstrap: str, group: str) -> dict[tuple[str, int], tuple[int, int, int]]:
    """(topic, partition) → (current offset, log-end offset, lag) per Kafka's own tool."""
    described = subprocess.run(
        [
            str(KAFKA),
            "tool",
            "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
            "--bootstrap-server",
            bootstrap,
            "--describe",
            "--group",
            group,
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    positions = {}
    for line in described.splitlines():
        fields = line.split()
        if len(fields) >= 6 and fields[0] == group and fields[2].isdigit():
            positions[(fields[1], int(fields[2]))] = (
                int(fields[3]),
                int(fields[4]),
                int(fields[5]),
            )
    return positions


class Watched:
    """The exporter's loop running in the test, keeping every report it makes."""

    def __init__(self, group: str) -> None:
        self.group = group
        self.reports: list[GroupReport] = []
        self.collector = LagCollector()

    def note(self, reports: Sequence[GroupReport]) -> None:
        self.collector.update(reports)
        self.reports += [r for r in reports if r.group == self.group]

    @property
    def latest(self) -> GroupReport | None:
        return self.reports[-1] if self.reports else None

    async def next_report(self) -> GroupReport:
        seen = len(self.reports)
        await eventually(lambda: _true(len(self.reports) > seen), timeout=30, interval=0.05)
        return self.reports[-1]

    def metrics(self) -> str:
        registry = CollectorRegistry()
        registry.register(self.collector)
        return generate_latest(registry).decode()


async def _true(value: bool) -> bool:
    return value


async def test_a_stopped_group_lags_as_kafka_says_turns_stop_and_recovers_to_ok(
    world: World,
) -> None:
    settings = world.settings.model_copy(update={"lag_poll_interval_s": 0.3, "lag_window": 4})
    identity = composition.services(settings)["identity"]
    group = world.names.group("identity")
    watched = Watched(group)
    stop_watching = asyncio.Event()
    watcher = asyncio.create_task(watch_lag(settings, stop_watching, watched.note))
    try:
        # The group exists and has caught up.
        await world.publish(registrations(20))
        async with running(world, *identity, relay=False):
            await eventually(lambda: _caught_up(watched), timeout=60)

        # Stopped: commands keep arriving and nobody consumes them.
        await world.publish(registrations(37))
        await eventually(lambda: _lag_is(watched, 37), timeout=30)
        before = await watched.next_report()
        tool = kafka_tool_positions(settings.kafka_bootstrap_servers, group)
        after = await watched.next_report()
        for report in (before, after):
            ours = {
                (p.lag.topic, p.lag.partition): (p.lag.committed, p.lag.end, p.lag.lag)
                for p in report.partitions
            }
            assert ours == tool
        assert sum(lag for _, _, lag in tool.values()) == 37
        assert after.members == 0

        first = await watched.next_report()
        await asyncio.sleep(1.0)
        second = await watched.next_report()
        assert first.max_lag_seconds > 0
        # The oldest unconsumed message only gets older: by exactly the time that passed.
        sampled_apart = second.sampled_at - first.sampled_at
        assert sampled_apart >= 1.0
        assert second.max_lag_seconds - first.max_lag_seconds == pytest.approx(
            sampled_apart, abs=0.01
        )

        await world.publish(registrations(13))
        await eventually(lambda: _lag_is(watched, 50), timeout=30)
        await eventually(lambda: _status_is(watched, Status.STOP), timeout=30)
        metrics = watched.metrics()
        assert _series(metrics, "azora_consumergroup_status", group, "STOP") == 1.0
        assert _series(metrics, "azora_consumergroup_status", group, "OK") == 0.0
        assert _series(metrics, "azora_consumergroup_total_lag_messages", group) == 50.0
        assert _series(metrics, "azora_consumergroup_members", group) == 0.0

        # Resumed: the lag drains to zero and the status returns to OK.
        async with running(world, *identity, relay=False):
            await eventually(lambda: _caught_up(watched), timeout=60)
            await eventually(lambda: _status_is(watched, Status.OK), timeout=30)
            assert watched.latest is not None
            assert watched.latest.members == 1
    finally:
        stop_watching.set()
        await watcher


async def _caught_up(watched: Watched) -> bool:
    latest = watched.latest
    return latest is not None and bool(latest.partitions) and latest.total_lag == 0


async def _committed_all(watched: Watched, topic: str, records: int) -> bool:
    latest = watched.latest
    if latest is None or latest.total_lag != 0:
        return False
    return sum(p.lag.committed for p in latest.partitions if p.lag.topic == topic) == records


async def _lag_is(watched: Watched, lag: int) -> bool:
    return watched.latest is not None and watched.latest.total_lag == lag


async def _status_is(watched: Watched, status: Status) -> bool:
    return watched.latest is not None and watched.latest.status is status


def _series(text: str, name: str, group: str, status: str | None = None) -> float:
    labels = f'group="{re.escape(group)}"'
    pattern = rf"^{name}\{{[^}}]*{labels}[^}}]*"
    if status:
        pattern += rf'status="{status}"[^}}]*'
    matches = re.findall(pattern + r"\} (\S+)$", text, re.MULTILINE)
    assert len(matches) == 1, (name, matches)
    return float(matches[0])


async def test_the_sampler_ignores_groups_outside_its_pattern(world: World) -> None:
    sampler = LagSampler(world.settings.kafka_bootstrap_servers, re.compile("^no-such-group-"))
    await sampler.start()
    try:
        assert await sampler.sample() == []
    finally:
        await sampler.close()


def azora_lag(settings_env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `azora lag` as a script would."""
    return subprocess.run(
        [sys.executable, "-m", "stack", "lag", *args],
        env={**os.environ, **settings_env},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_a_script_reads_a_stopped_groups_lag_as_json_and_its_exit_status(
    world: World,
) -> None:
    identity = composition.services(world.settings)["identity"]
    first = registrations_on_every_partition()
    await world.publish(first)
    async with running(world, *identity, relay=False):
        settings = world.settings.model_copy(update={"lag_poll_interval_s": 0.3})
        watched = Watched(world.names.group("identity"))
        stop = asyncio.Event()
        watcher = asyncio.create_task(watch_lag(settings, stop, watched.note))
        # All consumed and committed (a partition the group has not committed on is not in
        # the report at all, so "lag 0" alone can come too early, and later records there
        # would not count).
        topic = world.names.physical(catalogue.USER_REGISTRATION_REQUESTED)
        await eventually(lambda: _committed_all(watched, topic, len(first)), timeout=60)
        stop.set()
        await watcher
    await world.publish(registrations(4))  # nobody consumes them now
    env = {
        "AZORA_TOPIC_PREFIX": world.settings.topic_prefix,
        "AZORA_KAFKA_BOOTSTRAP_SERVERS": world.settings.kafka_bootstrap_servers,
    }

    done = await asyncio.to_thread(
        azora_lag, env, "--output", "json", "--samples", "3", "--interval", "0.2", "-p"
    )

    document = json.loads(done.stdout)
    [group] = [g for g in document["groups"] if g["group"] == world.names.group("identity")]
    assert group["lag"] == 4
    assert group["members"] == 0
    assert group["status"] == "STOP"
    assert sum(p["lag"] for p in group["partitions"]) == 4
    assert done.returncode == 2 == document["exit_status"]


def test_azora_lag_gives_up_with_exit_3_when_kafka_does_not_answer() -> None:
    # Nothing listens on port 1: every connection is refused, for as long as it is tried.
    done = azora_lag({"AZORA_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"}, "--timeout", "2")
    assert done.returncode == 3
    assert "no judged sample within 2 s" in done.stderr
