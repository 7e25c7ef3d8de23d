"""Fetched records as the applier gets them: events, dead letters to be, raw records."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from azora.consume.batch import Batch
from azora.consume.decoding import Decoder
from azora.consume.service import RawRecord, Service
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event, build_envelope, encode, message_key
from azora.topics import TopicNames
from schemas import catalogue
from schemas.registration import UserRegistered

NAMES = TopicNames("t1.")
SPEC = catalogue.USER_REGISTERED
TOPIC = NAMES.physical(SPEC)
DLQ = NAMES.dlq(SPEC)


async def _noop(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    return None


async def _raw_noop(records: Sequence[RawRecord], uow: UnitOfWork) -> None:
    return None


SERVICE = Service("g", handlers={SPEC: _noop}, dead_letter_handlers={SPEC: _raw_noop})


def registered(event_id: uuid.UUID | None = None) -> bytes:
    payload = UserRegistered(
        user_id=uuid.uuid4(),
        email="ada@example.org",
        display_name="Ada",
        password_hash="x" * 20,
        registered_at=datetime.now(UTC),
    )
    envelope = build_envelope(SPEC, payload, actor="test", event_id=event_id)
    return encode(SPEC, envelope, message_key(SPEC, payload), NAMES).value


def record(topic: str, offset: int, value: bytes | None) -> ConsumerRecord:
    size = len(value or b"")
    return ConsumerRecord(topic, 0, offset, 0, 0, b"k", value, None, 1, size, [])


def decoded(*records: ConsumerRecord, max_record_bytes: int = 1 << 20) -> Batch:
    fetched: dict[TopicPartition, list[ConsumerRecord]] = {}
    for each in records:
        fetched.setdefault(TopicPartition(each.topic, each.partition), []).append(each)
    return Decoder.for_service(SERVICE, NAMES, max_record_bytes).decode(fetched)


def test_good_records_become_events_and_bad_ones_wait_to_be_dead_lettered() -> None:
    good = registered()
    batch = decoded(
        record(TOPIC, 5, good),
        record(TOPIC, 6, b"not an envelope"),
        record(TOPIC, 7, None),
        record(DLQ, 3, b"anything at all"),
    )
    assert [e.offset for e in batch.events] == [5]
    assert [(f.offset, f.value) for f, _ in batch.failed] == [(6, b"not an envelope"), (7, None)]
    assert [(r.topic, r.offset) for r in batch.raw] == [(DLQ, 3)]
    assert batch.size == 4
    assert batch.next_offsets == {(TOPIC, 0): 8, (DLQ, 0): 4}


def test_a_record_over_the_size_limit_is_not_decoded() -> None:
    big = registered()
    batch = decoded(record(TOPIC, 0, big), max_record_bytes=len(big) - 1)
    assert batch.events == []
    ((failed, reason),) = batch.failed
    assert failed.value == big
    assert "exceeds the limit" in reason


def test_a_batch_applies_the_first_event_of_each_id_once() -> None:
    twice = uuid.uuid4()
    batch = decoded(record(TOPIC, 0, registered(twice)), record(TOPIC, 1, registered()))
    batch.extend(decoded(record(TOPIC, 2, registered(twice))))
    unique, claim = batch.unique(SERVICE)
    assert [e.offset for e in unique] == [0, 1]
    assert claim == [e.envelope.event_id for e in unique]
    assert batch.next_offsets == {(TOPIC, 0): 3}


def test_replay_safe_topics_skip_the_inbox_and_others_events_are_ignored() -> None:
    batch = decoded(record(TOPIC, 0, registered()), record(TOPIC, 1, registered()))
    safe = Service("g", handlers={SPEC: _noop}, replay_safe=frozenset({SPEC}))
    unique, claim = batch.unique(safe)
    assert (len(unique), claim) == (2, [])

    batch = decoded(record(TOPIC, 0, registered()))
    picky = Service("g", handlers={SPEC: _noop}, acts_on={SPEC: lambda payload: False})
    assert batch.unique(picky) == ([], [])
    assert [e.offset for e in batch.ignored] == [0]
