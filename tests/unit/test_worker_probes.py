"""A worker's liveness comes from its loops' heartbeats, its readiness from its checks."""

from __future__ import annotations

import asyncio

import pytest

from azora.consume.batch import Batch
from azora.health.heartbeat import Heartbeat, LoopHeartbeat
from azora.health.probes import NotYet, Probes, database_check, kafka_check


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_loop_silent_past_its_deadline_is_wedged_until_it_beats_again() -> None:
    clock = Clock()
    heartbeat = Heartbeat("wallet", deadline_s=60, clock=clock)

    clock.now += 60
    assert heartbeat.alive()
    clock.now += 0.5
    assert not heartbeat.alive()
    assert heartbeat.silent_for() == 60.5
    heartbeat.beat()
    assert heartbeat.alive()


def test_polling_is_a_sign_of_life_only_while_no_batch_is_in_hand() -> None:
    clock = Clock()
    heartbeat = Heartbeat("wallet", deadline_s=60, clock=clock)
    observer = LoopHeartbeat(heartbeat)
    batch = Batch()

    clock.now += 30
    observer.polled()
    assert heartbeat.silent_for() == 0
    observer.applying(batch)
    clock.now += 30
    observer.polled()  # the fetcher polls on while a handler has not returned
    assert heartbeat.silent_for() == 30
    observer.retrying("transient")  # an attempt that failed is the batch moving on
    assert heartbeat.silent_for() == 0
    observer.ended(batch, None)
    clock.now += 30
    observer.polled()
    assert heartbeat.silent_for() == 0


def test_liveness_names_the_wedged_loop_and_not_the_others() -> None:
    clock = Clock()
    probes = Probes(deadline_s=60, clock=clock)
    wedged, idle = probes.heartbeat("tutor"), probes.heartbeat("wallet")

    assert probes.liveness()[0] == 200
    clock.now += 61
    idle.beat()
    status, body = probes.liveness()

    assert (status, body["status"], body["wedged"]) == (503, "wedged", ["tutor"])
    assert body["loops"]["tutor"] == {"silent_s": 61.0, "alive": False}
    assert body["loops"]["wallet"] == {"silent_s": 0.0, "alive": True}
    assert probes.heartbeat("tutor") is wedged


async def test_readiness_passes_when_every_check_does_and_names_those_that_do_not() -> None:
    probes = Probes(deadline_s=60, check_timeout_s=0.2)

    async def answers() -> str:
        return "3 assigned"

    async def refuses() -> str:
        raise ConnectionRefusedError("connection refused")

    async def hangs() -> str:
        await asyncio.Event().wait()
        return "never"

    probes.check("partitions", answers)
    assert await probes.readiness() == (
        200,
        {
            "status": "ready",
            "checks": {"partitions": True},
            "details": {"partitions": "3 assigned"},
            "failed": [],
        },
    )
    probes.check("postgres", refuses)
    probes.check("kafka", hangs)
    status, body = await probes.readiness()

    assert (status, body["status"], body["failed"]) == (503, "unavailable", ["postgres", "kafka"])
    assert body["details"]["postgres"] == "ConnectionRefusedError: connection refused"
    assert body["details"]["kafka"] == "no answer within 0.2 s"


async def test_a_process_that_has_registered_nothing_yet_is_not_ready() -> None:
    status, body = await Probes(deadline_s=60).readiness()

    assert (status, body["status"]) == (503, "unavailable")


class Pool:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error

    async def fetchval(self, query: str, *args: object, timeout: float | None = None) -> object:
        if self.error is not None:
            raise self.error
        return 1


async def test_a_database_check_fails_before_its_pool_exists_and_while_it_cannot_connect() -> None:
    pool: Pool | None = None
    check = database_check(lambda: pool)

    with pytest.raises(NotYet):
        await check()
    pool = Pool(OSError("connection refused"))
    with pytest.raises(OSError, match="connection refused"):
        await check()
    pool = Pool()
    assert await check() == "ok"


async def test_a_kafka_check_asks_for_metadata_once_there_is_a_client() -> None:
    asked: list[str] = []

    async def metadata() -> object:
        asked.append("metadata")
        return {}

    with pytest.raises(NotYet):
        await kafka_check(lambda: None)()
    assert await kafka_check(metadata)() == "ok"
    assert asked == ["metadata"]
