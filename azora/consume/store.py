"""The consume loop's bookkeeping in Postgres, as set-based statements for a whole batch."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Iterable, Sequence
from typing import Protocol

import asyncpg

from azora.db import Connection
from azora.messages import OutgoingMessage, jsonable_headers


class Bookkeeping(Protocol):
    """The statements a batch's transaction runs besides its handlers'; this module is one.

    A benchmark passes its own (this module's functions, timed) to the consume loop.
    """

    def claim(
        self, conn: Connection, group: str, ids: Sequence[uuid.UUID], /
    ) -> Awaitable[set[uuid.UUID]]: ...

    def release(
        self, conn: Connection, group: str, ids: Sequence[uuid.UUID], /
    ) -> Awaitable[None]: ...

    def save_offsets(
        self, conn: Connection, group: str, next_offsets: dict[tuple[str, int], int], /
    ) -> Awaitable[None]: ...

    def write_outbox(
        self, conn: Connection, messages: Sequence[OutgoingMessage], /
    ) -> Awaitable[None]: ...


CLAIM_INBOX = """
INSERT INTO azora.inbox (group_id, event_id)
SELECT $1, id FROM unnest($2::uuid[]) AS t(id)
ON CONFLICT DO NOTHING
RETURNING event_id
"""

# GREATEST: a consumer that lost a partition mid-batch must never move its offset backwards.
SAVE_OFFSETS = """
INSERT INTO azora.consumer_offsets (group_id, topic, partition, next_offset)
SELECT $1, t.topic, t.partition, t.next_offset
FROM unnest($2::text[], $3::int[], $4::bigint[]) AS t(topic, partition, next_offset)
ON CONFLICT (group_id, topic, partition) DO UPDATE
SET next_offset = GREATEST(azora.consumer_offsets.next_offset, EXCLUDED.next_offset),
    updated_at = now()
"""

LOAD_OFFSETS = """
SELECT topic, partition, next_offset FROM azora.consumer_offsets
WHERE group_id = $1 AND topic = ANY($2::text[])
"""

# A dead-lettered event leaves the inbox, so re-driving it after a fix applies it.
RELEASE = "DELETE FROM azora.inbox WHERE group_id = $1 AND event_id = ANY($2::uuid[])"

WRITE_OUTBOX = """
INSERT INTO azora.outbox (topic, key, value, headers)
SELECT t.topic, t.key, t.value, t.headers::jsonb
FROM unnest($1::text[], $2::bytea[], $3::bytea[], $4::text[]) AS t(topic, key, value, headers)
"""


async def claim(conn: Connection, group: str, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Record `ids` in the group's inbox; return those not seen before."""
    if not ids:
        return set()
    rows = await conn.fetch(CLAIM_INBOX, group, ids)
    return {row["event_id"] for row in rows}


async def release(conn: Connection, group: str, ids: Sequence[uuid.UUID]) -> None:
    """Forget `ids` from the group's inbox (they were dead-lettered, not applied)."""
    if ids:
        await conn.execute(RELEASE, group, list(ids))


async def save_offsets(
    conn: Connection, group: str, next_offsets: dict[tuple[str, int], int]
) -> None:
    """Store the next offset to read for each (topic, partition) of the batch."""
    if not next_offsets:
        return
    topics, partitions, offsets = [], [], []
    for (topic, partition), offset in next_offsets.items():
        topics.append(topic)
        partitions.append(partition)
        offsets.append(offset)
    await conn.execute(SAVE_OFFSETS, group, topics, partitions, offsets)


async def load_offsets(
    conn: Connection | asyncpg.Pool, group: str, topics: Iterable[str]
) -> dict[tuple[str, int], int]:
    """The stored next offsets of `group` for `topics`."""
    rows = await conn.fetch(LOAD_OFFSETS, group, list(topics))
    return {(row["topic"], row["partition"]): row["next_offset"] for row in rows}


async def write_outbox(conn: Connection, messages: Sequence[OutgoingMessage]) -> None:
    """Queue `messages` for the relay, in order, in the caller's transaction."""
    if not messages:
        return
    await conn.execute(
        WRITE_OUTBOX,
        [m.topic for m in messages],
        [m.key for m in messages],
        [m.value for m in messages],
        # As JSON text: asyncpg would read nested lists as a multi-dimensional array.
        [json.dumps(jsonable_headers(m.headers)) for m in messages],
    )
