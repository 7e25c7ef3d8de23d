"""Dead letters as `azora dlq` and the admin endpoints see them: read, shown, re-driven.

They read `read.dead_letters` (the dead_letters projection) and only this deployment's
rows: those on its own dead-letter topics. A re-drive publishes the original record again
(same key, value and headers, minus the `dlq.*` ones, plus `dlq.redriven_from`) to the
topic it failed on, then the `dead_letter.redriven` fact, which the projection records.
"""

from __future__ import annotations

import base64
import json
import string
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from azora.consume.dead_letters import REDRIVEN_FROM
from azora.db import Connection
from azora.messages import (
    OutgoingMessage,
    build_envelope,
    encode,
    headers_from_json,
    message_key,
)
from azora.topics import TopicNames
from schemas.catalogue import BY_NAME, CATALOGUE, DEAD_LETTER_REDRIVEN
from schemas.operations import DeadLetterRedriven

SUMMARY = """id, dlq_topic, dlq_partition, dlq_offset, origin_topic, origin_partition,
             origin_offset, group_id, error, error_kind, attempts, failed_at, event_id,
             event_type, redriven_at, redriven_by"""

LIST = f"""
SELECT {SUMMARY} FROM read.dead_letters
WHERE dlq_topic = ANY($1::text[])
  AND ($2::text IS NULL OR origin_topic = $2)
  AND ($3::text[] IS NULL OR group_id = ANY($3::text[]))
  AND (NOT $4::bool OR redriven_at IS NULL)
ORDER BY failed_at DESC, id
LIMIT $5 OFFSET $6
"""

ONE = f"""
SELECT {SUMMARY}, key, value, headers FROM read.dead_letters
WHERE id = $1 AND dlq_topic = ANY($2::text[])
"""

# Re-driving by topic: every dead letter of it (or only those not re-driven yet).
OF_TOPIC = f"""
SELECT {SUMMARY}, key, value, headers FROM read.dead_letters
WHERE dlq_topic = ANY($1::text[]) AND origin_topic = $2
  AND ($3::text[] IS NULL OR group_id = ANY($3::text[]))
  AND ($4::bool OR redriven_at IS NULL)
ORDER BY dlq_topic, dlq_partition, dlq_offset
"""

Send = Callable[[OutgoingMessage], Awaitable[None]]


class CannotRedrive(Exception):
    """The dead letter names no topic of this deployment to go back to."""


@dataclass(frozen=True)
class Filters:
    """Which dead letters to list."""

    origin_topic: str | None = None
    groups: Sequence[str] | None = None
    pending: bool = False
    limit: int = 50
    offset: int = 0


def dlq_topics(names: TopicNames) -> list[str]:
    """This deployment's dead-letter topics (its rows in a shared read model)."""
    return [names.dlq(spec) for spec in CATALOGUE]


def origin_topic(names: TopicNames, given: str) -> str:
    """The broker-side topic an operator means by `given`: a catalogue name, its `.dlq`,
    or the physical name. Raises ValueError for anything else."""
    logical = given.removesuffix(".dlq")
    if logical.startswith(names.prefix) and logical[len(names.prefix) :] in BY_NAME:
        return logical
    if logical in BY_NAME:
        return names.physical(BY_NAME[logical])
    raise ValueError(f"{given!r} is not a topic of the catalogue")


def groups(names: TopicNames, given: str | None) -> list[str] | None:
    """The `dlq.group` values that `--group` matches: as given, and under this prefix."""
    if given is None:
        return None
    return sorted({given, names.group(given)})


async def list_dead_letters(
    conn: Any, names: TopicNames, filters: Filters = Filters()
) -> list[dict[str, Any]]:
    """Dead letters of this deployment, newest first."""
    rows = await conn.fetch(
        LIST,
        dlq_topics(names),
        filters.origin_topic,
        list(filters.groups) if filters.groups is not None else None,
        filters.pending,
        filters.limit,
        filters.offset,
    )
    return [dict(row) for row in rows]


async def get_dead_letter(
    conn: Any, names: TopicNames, dead_letter_id: uuid.UUID
) -> dict[str, Any] | None:
    """One dead letter with its key, value and headers (None if not this deployment's)."""
    row = await conn.fetchrow(ONE, dead_letter_id, dlq_topics(names))
    return dict(row) if row is not None else None


async def dead_letters_of(
    conn: Connection,
    names: TopicNames,
    topic: str,
    *,
    groups: Sequence[str] | None = None,
    again: bool = False,
) -> list[dict[str, Any]]:
    """The dead letters of `topic` to re-drive: those not re-driven yet, or all (`again`)."""
    rows = await conn.fetch(
        OF_TOPIC, dlq_topics(names), topic, list(groups) if groups else None, again
    )
    return [dict(row) for row in rows]


def redrive_message(names: TopicNames, row: dict[str, Any]) -> OutgoingMessage:
    """The original record again, for its origin topic, saying which dead letter it was."""
    topic = row["origin_topic"]
    if topic not in {names.physical(spec) for spec in CATALOGUE}:
        raise CannotRedrive(f"dead letter {row['id']} names no topic to go back to ({topic!r})")
    kept = [(k, v) for k, v in headers_from_json(row["headers"]) if not k.startswith("dlq.")]
    return OutgoingMessage(
        topic=topic,
        key=row["key"],
        value=row["value"] or b"",
        headers=(*kept, (REDRIVEN_FROM, str(row["id"]).encode())),
    )


def redriven_fact(row: dict[str, Any], *, by: str, at: datetime) -> DeadLetterRedriven:
    """The fact that `row` was re-driven by `by`."""
    return DeadLetterRedriven(
        dead_letter_id=row["id"],
        dlq_topic=row["dlq_topic"],
        dlq_partition=row["dlq_partition"],
        dlq_offset=row["dlq_offset"],
        origin_topic=row["origin_topic"],
        redriven_by=by,
        redriven_at=at,
    )


async def redrive(
    send: Send, names: TopicNames, row: dict[str, Any], *, by: str, at: datetime
) -> DeadLetterRedriven:
    """Publish the record back to its topic, then the fact that it was (both acked)."""
    message = redrive_message(names, row)
    fact = redriven_fact(row, by=by, at=at)
    await send(message)
    envelope = build_envelope(DEAD_LETTER_REDRIVEN, fact, actor=by)
    await send(
        encode(DEAD_LETTER_REDRIVEN, envelope, message_key(DEAD_LETTER_REDRIVEN, fact), names)
    )
    return fact


@dataclass(frozen=True)
class Body:
    """A record's bytes, as a person can read them."""

    size: int
    json: Any | None  # the value parsed, when it is JSON
    text: str | None  # the value as text, when it is UTF-8
    base64: str  # always, so nothing is lost


def body_of(value: bytes | None) -> Body:
    """JSON if it parses, text if it decodes, and always base64."""
    raw = value or b""
    text: str | None
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        text = None
    parsed: Any | None = None
    if text is not None:
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
    return Body(len(raw), parsed, text, base64.b64encode(raw).decode())


def readable(value: bytes | None, *, width: int = 16, limit: int = 4096) -> str:
    """A record's value for a terminal: pretty JSON, else escaped text, else a hex dump."""
    body = body_of(value)
    if body.json is not None:
        return json.dumps(body.json, indent=2, ensure_ascii=False)
    raw = value or b""
    if body.text is not None and all(c in string.printable for c in body.text):
        return body.text if len(body.text) <= limit else body.text[:limit] + " …"
    if body.text is not None:
        return repr(raw[:limit])[2:-1] + (" …" if len(raw) > limit else "")
    lines = []
    for start in range(0, min(len(raw), limit), width):
        chunk = raw[start : start + width]
        ascii_ = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{start:08x}  {chunk.hex(' '):<{width * 3}} {ascii_}")
    if len(raw) > limit:
        lines.append(f"… {len(raw) - limit} more bytes")
    return "\n".join(lines)


def header_text(value: bytes) -> str:
    """A header's value for display: its text, or escaped bytes."""
    try:
        text = value.decode()
    except UnicodeDecodeError:
        return repr(value)[2:-1]
    return text if text.isprintable() else repr(text)[1:-1]
