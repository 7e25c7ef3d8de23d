"""The outbox relay: it publishes what transactions queued, and keeps the inbox bounded."""

from __future__ import annotations

import uuid
from typing import Any, cast

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from azora.outbox import OutboxRelay
from azora.settings import Settings

pytestmark = pytest.mark.integration

DAY_S = 24 * 3600


async def test_inbox_ids_older_than_the_retention_are_pruned_and_newer_ones_kept(
    base_settings: Settings, db: asyncpg.Pool
) -> None:
    group = f"prune-{uuid.uuid4().hex[:8]}"
    old = [uuid.uuid4() for _ in range(3)]
    recent = [uuid.uuid4() for _ in range(2)]
    await db.execute(
        "INSERT INTO azora.inbox (group_id, event_id, received_at) "
        "SELECT $1, id, now() - interval '8 days' FROM unnest($2::uuid[]) AS t(id)",
        group,
        old,
    )
    await db.execute(
        "INSERT INTO azora.inbox (group_id, event_id) SELECT $1, unnest($2::uuid[])",
        group,
        recent,
    )
    no_producer = cast(AIOKafkaProducer, None)  # pruning never publishes
    relay = OutboxRelay(base_settings.database_url, db, no_producer, inbox_retention_s=7 * DAY_S)

    assert await relay.prune_inbox() >= 3
    left: list[Any] = await db.fetch("SELECT event_id FROM azora.inbox WHERE group_id = $1", group)
    assert {row["event_id"] for row in left} == set(recent)
