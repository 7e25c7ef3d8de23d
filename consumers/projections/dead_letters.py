"""The dead_letters projection: every record on every dead-letter topic, and its re-drives.

A dead letter is the failed record as it was (possibly not an envelope at all) plus the
`dlq.*` headers the consume loop added, so the loop hands these records over undecoded.
`read.dead_letters` is what `azora dlq` and the admin endpoints list, show and re-drive.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from azora.consume import dead_letters as dlq
from azora.consume.service import RawRecord, service, subscribe
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event, header_value, jsonable_headers
from schemas import catalogue as topics
from schemas.envelope import HEADER_EVENT_ID, HEADER_TYPE
from schemas.operations import DeadLetterRedriven

# Names dead letters by their position on the dead-letter topic (see `dead_letter_id`).
_NAMESPACE = uuid.UUID("0b8f3c52-7d1e-4a9b-8c36-5e2f9a71d4c0")

INSERT = """
INSERT INTO dead_letters (
    id, dlq_topic, dlq_partition, dlq_offset, origin_topic, origin_partition, origin_offset,
    group_id, error, error_kind, attempts, failed_at, key, value, headers, event_id,
    event_type, redriven_at, redriven_by)
SELECT t.id, t.dlq_topic, t.dlq_partition, t.dlq_offset, t.origin_topic, t.origin_partition,
       t.origin_offset, t.group_id, t.error, t.error_kind, t.attempts, t.failed_at, t.key,
       t.value, t.headers::jsonb, t.event_id, t.event_type, r.redriven_at, r.redriven_by
FROM unnest($1::uuid[], $2::text[], $3::int[], $4::bigint[], $5::text[], $6::int[],
            $7::bigint[], $8::text[], $9::text[], $10::text[], $11::int[],
            $12::timestamptz[], $13::bytea[], $14::bytea[], $15::text[], $16::uuid[],
            $17::text[])
     AS t(id, dlq_topic, dlq_partition, dlq_offset, origin_topic, origin_partition,
          origin_offset, group_id, error, error_kind, attempts, failed_at, key, value,
          headers, event_id, event_type)
LEFT JOIN dead_letter_redrives r ON r.id = t.id
ON CONFLICT (id) DO NOTHING
"""

# Only ever moves forward: a repeat of an older re-drive changes nothing.
UPSERT_REDRIVES = """
INSERT INTO dead_letter_redrives (id, redriven_at, redriven_by)
SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[])
ON CONFLICT (id) DO UPDATE
SET redriven_at = EXCLUDED.redriven_at, redriven_by = EXCLUDED.redriven_by
WHERE dead_letter_redrives.redriven_at < EXCLUDED.redriven_at
"""

MARK_REDRIVEN = """
UPDATE dead_letters d SET redriven_at = r.redriven_at, redriven_by = r.redriven_by
FROM dead_letter_redrives r
WHERE r.id = ANY($1::uuid[]) AND d.id = r.id
"""


def dead_letter_id(dlq_topic: str, partition: int, offset: int) -> uuid.UUID:
    """A dead letter's id: the same however often its record is read."""
    return uuid.uuid5(_NAMESPACE, f"{dlq_topic}|{partition}|{offset}")


@dataclass(frozen=True)
class DeadLetterRow:
    """One row of `read.dead_letters`, as read from a dead-letter record."""

    id: uuid.UUID
    dlq_topic: str
    dlq_partition: int
    dlq_offset: int
    origin_topic: str | None
    origin_partition: int | None
    origin_offset: int | None
    group_id: str | None
    error: str
    error_kind: str | None
    attempts: int | None
    failed_at: datetime
    key: bytes | None
    value: bytes | None
    headers: list[list[str]]
    event_id: uuid.UUID | None
    event_type: str | None


def row_of(record: RawRecord) -> DeadLetterRow:
    """What a dead-letter record says; headers that are missing or malformed become None."""
    headers = record.headers

    def text(name: str) -> str | None:
        return _text(header_value(headers, name))

    event_id, event_type = text(HEADER_EVENT_ID), text(HEADER_TYPE)
    if event_id is None or event_type is None:
        # Written without our headers (another tool): the body may still be an envelope.
        body = _json_object(record.value)
        event_id = event_id or _str(body.get("event_id"))
        event_type = event_type or _str(body.get("type"))

    return DeadLetterRow(
        id=dead_letter_id(record.topic, record.partition, record.offset),
        dlq_topic=record.topic,
        dlq_partition=record.partition,
        dlq_offset=record.offset,
        origin_topic=text(dlq.ORIGIN_TOPIC),
        origin_partition=_int(text(dlq.ORIGIN_PARTITION)),
        origin_offset=_int(text(dlq.ORIGIN_OFFSET)),
        group_id=text(dlq.GROUP),
        error=text(dlq.ERROR) or "",
        error_kind=text(dlq.ERROR_KIND),
        attempts=_int(text(dlq.ATTEMPTS)),
        failed_at=_time(text(dlq.FAILED_AT))
        or datetime.fromtimestamp(record.timestamp / 1000, UTC),
        key=record.key,
        value=record.value,
        # Postgres keeps no NUL in text or jsonb; values are base64 and stay exact.
        headers=[
            [name.replace("\x00", "\ufffd"), value] for name, value in jsonable_headers(headers)
        ],
        event_id=_uuid(event_id),
        event_type=event_type,
    )


async def on_dead_letters(records: Sequence[RawRecord], uow: UnitOfWork) -> None:
    """Record each dead letter (once: its id comes from its position)."""
    rows = [row_of(record) for record in records]
    await uow.conn.execute(
        INSERT,
        [r.id for r in rows],
        [r.dlq_topic for r in rows],
        [r.dlq_partition for r in rows],
        [r.dlq_offset for r in rows],
        [r.origin_topic for r in rows],
        [r.origin_partition for r in rows],
        [r.origin_offset for r in rows],
        [r.group_id for r in rows],
        [r.error for r in rows],
        [r.error_kind for r in rows],
        [r.attempts for r in rows],
        [r.failed_at for r in rows],
        [r.key for r in rows],
        [r.value for r in rows],
        [json.dumps(r.headers) for r in rows],
        [r.event_id for r in rows],
        [r.event_type for r in rows],
    )


async def on_redriven(events: Sequence[Event[DeadLetterRedriven]], uow: UnitOfWork) -> None:
    """Note the latest re-drive of each dead letter."""
    latest: dict[uuid.UUID, DeadLetterRedriven] = {}
    for event in events:
        seen = latest.get(event.payload.dead_letter_id)
        if seen is None or seen.redriven_at < event.payload.redriven_at:
            latest[event.payload.dead_letter_id] = event.payload
    ids = list(latest)
    await uow.conn.execute(
        UPSERT_REDRIVES,
        ids,
        [p.redriven_at for p in latest.values()],
        [p.redriven_by for p in latest.values()],
    )
    await uow.conn.execute(MARK_REDRIVEN, ids)


def _text(value: bytes | None) -> str | None:
    if value is None:
        return None
    return value.decode(errors="replace").replace("\x00", "\ufffd")


def _json_object(value: bytes | None) -> dict[str, Any]:
    try:
        parsed = json.loads(value) if value else None
    except (ValueError, RecursionError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _str(value: Any) -> str | None:
    return value.replace("\x00", "\ufffd")[:200] if isinstance(value, str) else None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value is not None else None
    except ValueError:
        return None


def _time(value: str | None) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value) if value is not None else None
    except ValueError:
        return None
    if parsed is not None and parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed


DEAD_LETTERS = service(
    "dead_letters",
    # A monotonic upsert: a repeated re-drive fact changes nothing.
    subscribe(topics.DEAD_LETTER_REDRIVEN, on_redriven, replay_safe=True),
    dead_letter_handlers={spec: on_dead_letters for spec in topics.CATALOGUE},
    tables=("dead_letters", "dead_letter_redrives"),
)
