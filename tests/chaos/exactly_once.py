"""After the storm, from the log itself: each accepted command has exactly one outcome event,
and each group's offsets in Kafka are the ones stored in Postgres with its effects."""

from __future__ import annotations

import uuid
from collections import defaultdict

import asyncpg

from schemas.catalogue import CATALOGUE
from schemas.envelope import HEADER_CORRELATION_ID, HEADER_EVENT_ID
from tests.support.cluster import Position, admin
from tests.support.world import World

SETTLING = [spec for spec in CATALOGUE if spec.outcome in ("succeeded", "rejected")]


async def outcomes_per_command(world: World) -> dict[uuid.UUID, set[uuid.UUID]]:
    """Correlation (command) id → the distinct ids of the outcome events that settle it.

    A record the relay published twice carries the same event id (it is one event); a
    command handled twice with different results would show two ids.
    """
    outcomes: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for spec in SETTLING:
        for record in await world.read_all(world.names.physical(spec), timeout=60):
            headers = dict(record.headers)
            event_id = uuid.UUID(headers[HEADER_EVENT_ID].decode())
            outcomes[uuid.UUID(headers[HEADER_CORRELATION_ID].decode())].add(event_id)
    return outcomes


async def offsets_mismatched(world: World, groups: list[str]) -> dict[str, dict[Position, object]]:
    """Per group, the partitions where Kafka's committed offset is not the stored one."""
    db = await asyncpg.connect(world.settings.database_url)
    try:
        rows = await db.fetch(
            "SELECT group_id, topic, partition, next_offset FROM azora.consumer_offsets "
            "WHERE group_id = ANY($1::text[])",
            groups,
        )
    finally:
        await db.close()
    stored: dict[str, dict[Position, int]] = defaultdict(dict)
    for row in rows:
        stored[row["group_id"]][(row["topic"], row["partition"])] = row["next_offset"]
    mismatched: dict[str, dict[Position, object]] = {}
    async with admin(world.settings) as client:
        for group in groups:
            committed = {
                (tp.topic, tp.partition): meta.offset
                for tp, meta in (await client.list_consumer_group_offsets(group)).items()
                if meta.offset >= 0
            }
            differ = {
                position: (stored[group].get(position), committed.get(position))
                for position in set(stored[group]) | set(committed)
                if stored[group].get(position) != committed.get(position)
            }
            if differ:
                mismatched[group] = differ
    return mismatched
