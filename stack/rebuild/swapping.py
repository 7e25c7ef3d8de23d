"""The swap: the shadow tables take the live ones' place at exactly the live group's offsets."""

from __future__ import annotations

import asyncio
import logging

import asyncpg
from aiokafka import TopicPartition

from azora import db
from azora.db import READ_MODELS
from stack.rebuild import versions
from stack.rebuild.reading import ShadowReader
from stack.rebuild.versions import Shadow

log = logging.getLogger(__name__)

LIVE_OFFSETS_FOR_UPDATE = """
SELECT topic, partition, next_offset FROM azora.consumer_offsets
WHERE group_id = $1 AND topic = ANY($2::text[])
ORDER BY topic, partition
FOR UPDATE
"""


class ChecksumMismatch(Exception):
    """The rebuilt tables differ from the live ones at the same offsets: nothing swapped."""


class Interrupted(Exception):
    """Stopped during the final catch-up: the swap transaction rolls back."""


async def swap(
    reader: ShadowReader,
    live_pool: db.Pool,
    shadow: Shadow,
    *,
    projection: str,
    tables: tuple[str, ...],
    live_group: str,
    topics: list[str],
    verify: bool,
    stop: asyncio.Event,
) -> dict[str, tuple[str, str]] | None:
    """Lock the live tables and offsets, apply the last events up to those offsets, compare
    checksums if asked, and move the shadow tables in: the checksums, or None when the live
    tables stayed busy (try again after catching up some more)."""
    async with live_pool.acquire() as conn, conn.transaction():
        # Writers of the live tables wait from here to the commit; readers do not
        # (until the last statements, which take the tables away for an instant).
        await conn.execute("SET LOCAL lock_timeout = '10s'")
        try:
            await conn.execute(
                "LOCK TABLE "
                + ", ".join(f'"{READ_MODELS}"."{t}"' for t in tables)
                + " IN EXCLUSIVE MODE"
            )
        except asyncpg.LockNotAvailableError as exc:
            log.warning("%s: live tables busy (%r); trying again", projection, exc)
            return None
        rows = await conn.fetch(LIVE_OFFSETS_FOR_UPDATE, live_group, topics)
        stored = {(r["topic"], r["partition"]): r["next_offset"] for r in rows}
        positions = reader.positions
        targets = {tp: stored.get((tp.topic, tp.partition), 0) for tp in positions}
        if not await reader.consume_until(targets, stop):
            raise Interrupted
        mismatched: dict[TopicPartition, tuple[int, int]] = {
            tp: (positions[tp], targets[tp]) for tp in positions if positions[tp] != targets[tp]
        }
        if mismatched:
            raise RuntimeError(f"rebuild stopped short of the live offsets: {mismatched}")
        checksums = {}
        if verify:
            for table in tables:
                checksums[table] = (
                    await versions.checksum(conn, READ_MODELS, table),
                    await versions.checksum(conn, shadow.schema, table),
                )
            differ = [t for t, (live, new) in checksums.items() if live != new]
            if differ:
                raise ChecksumMismatch(f"rebuilt rows differ from live rows in {differ}")
        await versions.swap(conn, shadow, tables)
    log.info("%s: version %d is live", projection, shadow.version)
    return checksums
