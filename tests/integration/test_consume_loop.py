"""The consume loop against the real broker and database: exactly-once effects, DLQ, retries."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from azora.consume import dead_letters
from azora.consume.errors import PermanentError, TransientError
from azora.consume.service import Service
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event, build_envelope, encode, message_key
from azora.settings import Settings
from schemas import catalogue
from schemas.registration import UserRegistrationRequested
from tests.support.registrations import on_registration_requested
from tests.support.world import World, created, eventually, new_world, running

pytestmark = pytest.mark.integration

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"


def registration(email: str | None = None, name: str = "Ada") -> UserRegistrationRequested:
    return UserRegistrationRequested(
        user_id=uuid.uuid4(),
        email=email or f"{uuid.uuid4().hex[:12]}@example.org",
        display_name=name,
        password_hash=HASH,
    )


def identity_like(handler: Any) -> Service:
    """A service of its own group that registers users through `handler`."""
    return Service(
        name=f"test-{uuid.uuid4().hex[:8]}",
        handlers={catalogue.USER_REGISTRATION_REQUESTED: handler},
    )


async def accounts_with(db: asyncpg.Pool, emails: Sequence[str]) -> int:
    count: int = await db.fetchval(
        "SELECT count(*) FROM identity.accounts WHERE email = ANY($1::text[])", list(emails)
    )
    return count


async def test_a_duplicate_message_is_applied_once(world: World, db: asyncpg.Pool) -> None:
    command = registration()
    spec = catalogue.USER_REGISTRATION_REQUESTED
    envelope = build_envelope(spec, command, actor="test")
    record = encode(spec, envelope, message_key(spec, command), world.names)
    await world.produce([(spec, record.key, record.value)] * 3)

    async with running(world, identity_like(on_registration_requested)):
        registered = await world.wait_for_records(
            world.names.physical(catalogue.USER_REGISTERED_V3), 1
        )
        await eventually(lambda: accounts_with(db, [command.email]))

    assert await accounts_with(db, [command.email]) == 1
    assert len(registered) == 1, "three deliveries of one event, one effect"
    rejected = await world.read_all(world.names.physical(catalogue.USER_REGISTRATION_REJECTED_V2))
    assert rejected == []


async def test_an_undecodable_message_goes_to_the_dlq_and_the_partition_keeps_flowing(
    world: World, db: asyncpg.Pool
) -> None:
    after = registration()
    spec = catalogue.USER_REGISTRATION_REQUESTED
    key = message_key(spec, after)  # same key, so same partition, garbage first
    envelope = build_envelope(spec, after, actor="test")
    good = encode(spec, envelope, key, world.names)
    await world.produce([(spec, key, b"\x00\xffnot an envelope"), (spec, key, good.value)])
    service = identity_like(on_registration_requested)

    async with running(world, service):
        dead = await world.wait_for_records(world.names.dlq(spec), 1)
        await eventually(lambda: accounts_with(db, [after.email]))

    (letter,) = dead
    headers = {k: v.decode() for k, v in letter.headers}
    assert letter.value == b"\x00\xffnot an envelope"
    assert letter.key == key
    assert headers[dead_letters.ORIGIN_TOPIC] == world.names.physical(spec)
    assert headers[dead_letters.ORIGIN_OFFSET] == "0"
    assert headers[dead_letters.ORIGIN_PARTITION].isdigit()
    assert "invalid envelope" in headers[dead_letters.ERROR]
    assert headers[dead_letters.ERROR_KIND] == "decode"
    assert headers[dead_letters.ATTEMPTS] == "1"
    assert headers[dead_letters.GROUP] == world.names.group(service.name)


async def test_a_poison_event_is_dead_lettered_and_the_rest_of_its_batch_is_applied(
    world: World, db: asyncpg.Pool
) -> None:
    async def refuse_poison(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        if any(e.payload.display_name == "poison" for e in events):
            raise PermanentError("poison is not a name")
        await on_registration_requested(events, uow)

    commands = [registration(name="poison" if i == 2 else "Ada") for i in range(5)]
    envelopes = await world.publish(commands)
    spec = catalogue.USER_REGISTRATION_REQUESTED
    service = identity_like(refuse_poison)

    async with running(world, service):
        dead = await world.wait_for_records(world.names.dlq(spec), 1)
        healthy = [c.email for c in commands if c.display_name != "poison"]
        await eventually(lambda: _equals(accounts_with(db, healthy), 4))

    (letter,) = dead
    headers = {k: v.decode() for k, v in letter.headers}
    assert headers[dead_letters.ERROR_KIND] == "permanent"
    assert "poison is not a name" in headers[dead_letters.ERROR]
    assert json.loads(letter.value)["payload"]["display_name"] == "poison"
    assert await accounts_with(db, [commands[2].email]) == 0
    in_inbox = await db.fetchval(
        "SELECT count(*) FROM azora.inbox WHERE group_id = $1 AND event_id = $2",
        service.name,
        envelopes[2].event_id,
    )
    assert in_inbox == 0, "a dead letter leaves the inbox, so a re-drive is applied"


async def test_a_transient_error_is_retried_until_it_passes_and_nothing_is_skipped(
    world: World, db: asyncpg.Pool
) -> None:
    failures = {"left": 3}

    async def flaky(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        if failures["left"] > 0:
            failures["left"] -= 1
            raise TransientError("the database blinked")
        await on_registration_requested(events, uow)

    commands = [registration() for _ in range(10)]
    await world.publish(commands)

    async with running(world, identity_like(flaky)):
        await eventually(lambda: _equals(accounts_with(db, [c.email for c in commands]), 10))

    assert failures["left"] == 0
    dead = await world.read_all(world.names.dlq(catalogue.USER_REGISTRATION_REQUESTED))
    assert dead == [], "a transient error never dead-letters"


async def test_a_handler_bug_is_retried_then_dead_lettered_after_the_attempt_limit(
    world: World,
) -> None:
    async def broken(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        raise ZeroDivisionError("a bug, not the message's fault")

    await world.publish([registration()])
    spec = catalogue.USER_REGISTRATION_REQUESTED
    async with running(world, identity_like(broken)):
        (letter,) = await world.wait_for_records(world.names.dlq(spec), 1)

    headers = {k: v.decode() for k, v in letter.headers}
    assert headers[dead_letters.ERROR_KIND] == "exhausted"
    assert headers[dead_letters.ATTEMPTS] == str(world.settings.consumer_max_attempts)


async def _equals(value: Any, expected: Any) -> bool:
    return bool(await value == expected)


async def test_offsets_committed_to_kafka_equal_those_stored_in_postgres(
    world: World, db: asyncpg.Pool
) -> None:
    service = await _registered_by_a_new_group(world, db, 30)
    group = world.names.group(service.name)

    in_kafka = await _kafka_offsets(world, group)
    assert in_kafka == await _stored_offsets(db, group)
    assert sum(in_kafka.values()) == 30


async def test_a_member_that_restarts_brings_offsets_in_kafka_level_with_postgres(
    world: World, db: asyncpg.Pool
) -> None:
    # A member killed before its (throttled) Kafka commit went out leaves Kafka behind
    # Postgres; with nothing new to read, only the next member's assignment can fix it.
    service = await _registered_by_a_new_group(world, db, 20)
    group = world.names.group(service.name)
    stored = await _stored_offsets(db, group)
    await _commit_in_kafka(world, group, dict.fromkeys(stored, 0))  # as if never sent
    assert sum((await _kafka_offsets(world, group)).values()) == 0

    async with running(world, service):
        await eventually(lambda: _kafka_total(world, group, 20))
    assert await _kafka_offsets(world, group) == stored


async def _registered_by_a_new_group(world: World, db: asyncpg.Pool, count: int) -> Service:
    """Publish `count` registrations; run a new group until it has applied them all."""
    commands = [registration() for _ in range(count)]
    await world.publish(commands)
    service = identity_like(on_registration_requested)
    async with running(world, service):
        await eventually(lambda: _equals(accounts_with(db, [c.email for c in commands]), count))
    return service


async def _kafka_offsets(world: World, group: str) -> dict[int, int]:
    """The group's committed offsets in Kafka, by partition of the registrations topic."""
    admin = AIOKafkaAdminClient(bootstrap_servers=world.settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    topic = world.names.physical(catalogue.USER_REGISTRATION_REQUESTED)
    assert all(tp.topic == topic for tp in committed), "only the topic it reads"
    return {tp.partition: meta.offset for tp, meta in committed.items()}


async def _stored_offsets(db: asyncpg.Pool, group: str) -> dict[int, int]:
    rows = await db.fetch(
        "SELECT partition, next_offset FROM azora.consumer_offsets WHERE group_id = $1", group
    )
    return {row["partition"]: row["next_offset"] for row in rows}


async def _kafka_total(world: World, group: str, total: int) -> bool:
    return sum((await _kafka_offsets(world, group)).values()) == total


async def _commit_in_kafka(world: World, group: str, offsets: dict[int, int]) -> None:
    """Set the group's committed offsets in Kafka only (Postgres keeps its own)."""
    topic = world.names.physical(catalogue.USER_REGISTRATION_REQUESTED)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=world.settings.kafka_bootstrap_servers,
        group_id=group,
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, p) for p in offsets])
        await consumer.commit({TopicPartition(topic, p): o for p, o in offsets.items()})
    finally:
        await consumer.stop()


async def test_events_a_service_does_not_act_on_are_consumed_without_inbox_or_handler(
    world: World, db: asyncpg.Pool
) -> None:
    wanted = [registration(name="wanted") for _ in range(5)]
    others = [registration(name="other") for _ in range(15)]
    await world.publish([*others[:8], *wanted, *others[8:]])
    seen: list[str] = []

    async def handler(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        seen.extend(e.payload.display_name for e in events)
        await on_registration_requested(events, uow)

    service = Service(
        name=f"test-{uuid.uuid4().hex[:8]}",
        handlers={catalogue.USER_REGISTRATION_REQUESTED: handler},
        acts_on={catalogue.USER_REGISTRATION_REQUESTED: lambda r: r.display_name == "wanted"},
    )
    group = world.names.group(service.name)
    async with running(world, service):
        await eventually(lambda: _equals(_consumed(db, group), 20))

    assert seen == ["wanted"] * 5
    assert await accounts_with(db, [c.email for c in wanted]) == 5
    assert await accounts_with(db, [c.email for c in others]) == 0
    inbox = await db.fetchval("SELECT count(*) FROM azora.inbox WHERE group_id = $1", group)
    assert inbox == 5, "only the events acted on are claimed"


async def _consumed(db: asyncpg.Pool, group: str) -> int:
    return sum((await _stored_offsets(db, group)).values())


async def test_stopping_while_a_batch_is_retried_never_skips_it(
    base_settings: Settings, db: asyncpg.Pool
) -> None:
    calls = {"stuck": 0}
    spec = catalogue.USER_REGISTRATION_REQUESTED
    commands = [registration(email=f"stuck-{uuid.uuid4().hex[:8]}@example.org") for _ in range(30)]
    stuck = commands[5]

    async def stuck_on_one(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        if any(e.payload.user_id == stuck.user_id for e in events):
            calls["stuck"] += 1
            raise TransientError("a dependency this event needs is down")
        await on_registration_requested(events, uow)

    service = identity_like(stuck_on_one)
    async with created(new_world(base_settings, consumer_max_batch=10)) as world:
        records = []
        for command in commands:  # one key: one partition, in this order
            envelope = build_envelope(spec, command, actor="test")
            records.append(
                (spec, b"one-key", encode(spec, envelope, b"one-key", world.names).value)
            )
        await world.produce(records)
        async with running(world, service, relay=False):
            await eventually(lambda: _at_least(calls, "stuck", 3))
        # Stopped mid-retry: the stuck batch and everything after it stay unapplied.
        stored = await db.fetchval(
            "SELECT max(next_offset) FROM azora.consumer_offsets WHERE group_id = $1",
            service.name,
        )
    assert stored is None or stored <= 5
    assert await accounts_with(db, [c.email for c in commands[5:]]) == 0


async def _at_least(counts: dict[str, int], key: str, floor: int) -> bool:
    return counts[key] >= floor
