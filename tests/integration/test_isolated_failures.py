"""Failing events are isolated on the real broker and database: each one's attempts and its
dead letter depend on it alone, never on what else shares its batch, and the rest of the
batch is applied once."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any

import asyncpg
import pytest
from aiokafka.structs import ConsumerRecord

from azora import kafka
from azora.consume import dead_letters
from azora.consume.service import service, subscribe
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event, build_envelope, encode
from schemas import catalogue
from schemas.registration import UserRegistrationRequested
from tests.support.registrations import on_registration_requested
from tests.support.world import World, eventually, running

pytestmark = pytest.mark.integration

SPEC = catalogue.USER_REGISTRATION_REQUESTED
HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"
# Every record on one key: one partition, so the bad events sit in one batch with good ones.
KEY = b"one-batch"


def registration(name: str = "Ada") -> UserRegistrationRequested:
    return UserRegistrationRequested(
        user_id=uuid.uuid4(),
        email=f"{uuid.uuid4().hex[:12]}@example.org",
        display_name=name,
        password_hash=HASH,
    )


async def publish_in_one_partition(
    world: World, commands: Sequence[UserRegistrationRequested]
) -> dict[uuid.UUID, UserRegistrationRequested]:
    """Publish straight to the topic (as an old producer or a replay would); by event id."""
    by_event: dict[uuid.UUID, UserRegistrationRequested] = {}
    producer = kafka.make_producer(world.settings, "test")
    await producer.start()
    try:
        for command in commands:
            envelope = build_envelope(SPEC, command, actor="test")
            message = encode(SPEC, envelope, KEY, world.names)
            await producer.send(
                message.topic, message.value, key=KEY, headers=list(message.headers)
            )
            by_event[envelope.event_id] = command
        await producer.flush()
    finally:
        await producer.stop()
    return by_event


def interleaved(
    bad: list[UserRegistrationRequested], good: list[UserRegistrationRequested]
) -> list[UserRegistrationRequested]:
    """Good, bad, good, good, bad, ...: each bad event between good ones."""
    mixed: list[UserRegistrationRequested] = []
    for n, command in enumerate(good):
        mixed.append(command)
        if n % 3 == 0 and bad:
            mixed.append(bad.pop(0))
    return mixed + bad


class Counting:
    """A registration service of its own group that counts how often each event is run."""

    def __init__(self, failing: str | None = None, preparing: str | None = None) -> None:
        self.handled: Counter[uuid.UUID] = Counter()
        self.prepared: Counter[uuid.UUID] = Counter()
        self._failing = failing
        self._preparing = preparing
        self.service = service(
            f"test-{uuid.uuid4().hex[:8]}",
            subscribe(SPEC, self.handle, prepare=self.prepare if preparing else None),
        )

    async def handle(
        self, events: Sequence[Event[UserRegistrationRequested]], uow: UnitOfWork
    ) -> None:
        self.handled.update(e.envelope.event_id for e in events)
        if any(e.payload.display_name == self._failing for e in events):
            # A bug, or a dependency answering nonsense: neither transient nor permanent.
            raise ValueError("cannot register this one")
        await on_registration_requested(events, uow)

    async def prepare(
        self, events: Sequence[Event[UserRegistrationRequested]], pool: asyncpg.Pool
    ) -> dict[uuid.UUID, Any]:
        self.prepared.update(e.envelope.event_id for e in events)
        if any(e.payload.display_name == self._preparing for e in events):
            # What a model server answering 200 with `"choices": []` gets its caller.
            raise IndexError("list index out of range")
        return {e.envelope.event_id: None for e in events}


async def accounts_with(db: asyncpg.Pool, commands: Sequence[UserRegistrationRequested]) -> int:
    count: int = await db.fetchval(
        "SELECT count(*) FROM identity.accounts WHERE email = ANY($1::text[])",
        [c.email for c in commands],
    )
    return count


def headers_of(letter: ConsumerRecord) -> dict[str, str]:
    return {k: v.decode() for k, v in letter.headers}


async def letters_by_event(world: World, count: int) -> dict[uuid.UUID, dict[str, str]]:
    letters = await world.wait_for_records(world.names.dlq(SPEC), count)
    by_event = {uuid.UUID(headers_of(r)["event_id"]): headers_of(r) for r in letters}
    assert len(by_event) == len(letters) == count, "one dead letter per bad event, none twice"
    return by_event


async def registered_ids(world: World) -> Counter[str]:
    records = await world.read_all(world.names.physical(catalogue.USER_REGISTERED_V3))
    return Counter(_user_id(r) for r in records)


def _user_id(record: ConsumerRecord) -> str:
    return str(json.loads(record.value)["payload"]["user_id"])


async def dead_lettered_among_good_ones(
    world: World,
    db: asyncpg.Pool,
    consumer: Counting,
    bad: Sequence[UserRegistrationRequested],
    good: Sequence[UserRegistrationRequested],
) -> tuple[dict[uuid.UUID, dict[str, str]], set[uuid.UUID]]:
    """Publish the bad registrations among the good ones in one partition, and run
    `consumer` until the bad are dead-lettered, the good applied, and one published after
    them applied too (nothing blocks the partition): the dead letters by event id, and the
    bad events' ids."""
    events = await publish_in_one_partition(world, interleaved(list(bad), list(good)))
    later = registration()
    async with running(world, consumer.service):
        letters = await letters_by_event(world, len(bad))
        await eventually(lambda: _equals(accounts_with(db, good), len(good)))
        await publish_in_one_partition(world, [later])
        await eventually(lambda: accounts_with(db, [later]))
    return letters, {event_id for event_id, c in events.items() if c in bad}


async def _equals(value: Any, expected: Any) -> bool:
    return bool(await value == expected)


async def test_four_events_a_handler_keeps_failing_on_cost_only_their_own_attempts(
    world: World, db: asyncpg.Pool
) -> None:
    limit = world.settings.consumer_max_attempts
    bad = [registration("bad") for _ in range(4)]
    good = [registration() for _ in range(12)]
    consumer = Counting(failing="bad")

    letters, bad_ids = await dead_lettered_among_good_ones(world, db, consumer, bad, good)

    assert set(letters) == bad_ids
    for event_id, headers in letters.items():
        assert headers[dead_letters.ERROR_KIND] == "exhausted"
        assert headers[dead_letters.ATTEMPTS] == str(limit)
        assert "ValueError: cannot register this one" in headers[dead_letters.ERROR]
        assert consumer.handled[event_id] == limit, "run its attempt limit in all, no more"
    registered = await registered_ids(world)
    assert sorted(registered.values()) == [1] * (len(good) + 1), "each good one applied once"
    assert await accounts_with(db, bad) == 0


async def test_registrations_postgres_cannot_store_are_dead_lettered_at_once_with_the_reason(
    world: World, db: asyncpg.Pool
) -> None:
    bad = [registration(f"a\u0000b{n}") for n in range(4)]
    good = [registration() for _ in range(12)]
    consumer = Counting()

    letters, bad_ids = await dead_lettered_among_good_ones(world, db, consumer, bad, good)

    assert set(letters) == bad_ids
    for event_id, headers in letters.items():
        assert headers[dead_letters.ERROR_KIND] == "permanent"
        assert "CharacterNotInRepertoireError" in headers[dead_letters.ERROR]
        assert "0x00" in headers[dead_letters.ERROR], "the reason names the byte"
        # Tried with its batch, then once on its own: no retries for a permanent error.
        assert consumer.handled[event_id] <= 2
        assert headers[dead_letters.ATTEMPTS] == str(consumer.handled[event_id])
    registered = await registered_ids(world)
    assert sorted(registered.values()) == [1] * (len(good) + 1)


async def test_an_event_whose_preparation_keeps_failing_is_dead_lettered_after_its_attempts(
    world: World, db: asyncpg.Pool
) -> None:
    limit = world.settings.consumer_max_attempts
    bad = [registration("no choices") for _ in range(2)]
    good = [registration() for _ in range(6)]
    consumer = Counting(preparing="no choices")

    letters, bad_ids = await dead_lettered_among_good_ones(world, db, consumer, bad, good)

    assert set(letters) == bad_ids
    for event_id, headers in letters.items():
        assert headers[dead_letters.ERROR_KIND] == "exhausted"
        assert headers[dead_letters.ATTEMPTS] == str(limit)
        assert "IndexError: list index out of range" in headers[dead_letters.ERROR]
        assert consumer.prepared[event_id] == limit, "the outside call made no more than that"
        assert consumer.handled[event_id] == 0, "never handled without its preparation"
    assert await accounts_with(db, bad) == 0
    registered = await registered_ids(world)
    assert sorted(registered.values()) == [1] * (len(good) + 1)
