"""The outbox relay: it publishes what transactions queued, and keeps the inbox bounded."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, cast

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from azora import db as azora_db
from azora import kafka
from azora.outbox import OutboxRelay
from azora.settings import Settings
from bench.databases import fresh_database
from schemas.catalogue import COURSE_PUBLISHED
from tests.support.world import created, eventually, new_world

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


class RecordingProducer:
    """Takes every record at once and remembers its value (the relay's side is under test)."""

    def __init__(self) -> None:
        self.values: list[bytes] = []
        self.sent = asyncio.Event()

    async def send(self, topic: str, value: bytes, **_: object) -> asyncio.Future[None]:
        self.values.append(value)
        self.sent.set()
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


async def test_the_relay_publishes_while_its_inbox_pruning_waits_on_a_lock(
    base_settings: Settings,
) -> None:
    # A round of pruning can take long (a blocked or slow DELETE, a big backlog): the
    # outbox must not wait for it.
    async with fresh_database(base_settings.database_url) as url:
        pool = await azora_db.create_pool(url, min_size=1, max_size=4)
        holder = await asyncpg.connect(url)
        stop = asyncio.Event()
        producer = RecordingProducer()
        relay = OutboxRelay(
            url,
            pool,
            cast(AIOKafkaProducer, producer),
            idle_wait_s=0.05,
            inbox_retention_s=7 * DAY_S,
        )
        running: asyncio.Task[None] | None = None
        try:
            await pool.execute(
                "INSERT INTO azora.inbox (group_id, event_id, received_at) "
                "VALUES ('old', $1, now() - interval '8 days')",
                uuid.uuid4(),
            )
            holding = holder.transaction()
            await holding.start()
            await holder.execute("SELECT 1 FROM azora.inbox FOR UPDATE")
            running = asyncio.create_task(relay.run(stop))
            await _until_a_delete_from_the_inbox_waits_on_a_lock(pool)

            await pool.execute(
                "INSERT INTO azora.outbox (topic, value) VALUES ('relay.test', 'while pruning')"
            )
            await asyncio.wait_for(producer.sent.wait(), timeout=30)
            assert producer.values == [b"while pruning"]
            assert await pool.fetchval("SELECT count(*) FROM azora.inbox") == 1

            await holding.rollback()
            await eventually(lambda: pool.fetchval("SELECT count(*) = 0 FROM azora.inbox"))
        finally:
            stop.set()
            if running is not None:
                await running
            await holder.close()
            await pool.close()


async def _until_a_delete_from_the_inbox_waits_on_a_lock(pool: asyncpg.Pool) -> None:
    await eventually(
        lambda: pool.fetchval(
            "SELECT count(*) > 0 FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE '%DELETE FROM azora.inbox%'"
        )
    )


async def test_rows_the_broker_refuses_are_parked_and_the_rows_behind_them_still_go_out(
    base_settings: Settings,
) -> None:
    # One row too large for the relay's producer (2 MiB), one too large for the topic
    # (about 1 MiB: the broker refuses it, and the idempotent producer must be replaced
    # before the partition takes more), each between rows that fit, all on one key.
    rows = [b"before", b"p" * (3 * 1024 * 1024), b"b" * (1536 * 1024), b"after"]
    async with (
        created(new_world(base_settings)) as world,
        fresh_database(base_settings.database_url) as url,
    ):
        topic = world.names.physical(COURSE_PUBLISHED)
        pool = await azora_db.create_pool(url, min_size=1, max_size=2)
        stop = asyncio.Event()

        async def started() -> AIOKafkaProducer:
            producer = kafka.make_producer(world.settings, "test-relay")
            await producer.start()
            return producer

        async def renew(old: AIOKafkaProducer) -> AIOKafkaProducer:
            await old.stop()
            return await started()

        relay = OutboxRelay(url, pool, await started(), idle_wait_s=0.05, renew_producer=renew)
        running = asyncio.create_task(relay.run(stop))
        try:
            await pool.execute(
                "INSERT INTO azora.outbox (topic, key, value) "
                "SELECT $1, 'one-key', v FROM unnest($2::bytea[]) WITH ORDINALITY AS t(v, n) "
                "ORDER BY n",
                topic,
                rows,
            )

            await eventually(lambda: pool.fetchval("SELECT count(*) = 0 FROM azora.outbox"))

            parked = await pool.fetch(
                "SELECT octet_length(value) AS size, reason FROM azora.outbox_parked ORDER BY id"
            )
            assert [row["size"] for row in parked] == [len(rows[1]), len(rows[2])]
            assert all("MessageSizeTooLargeError" in row["reason"] for row in parked)
            published = await world.wait_for_records(topic, 2)
            assert [record.value for record in published] == [b"before", b"after"]
        finally:
            stop.set()
            await running
            await relay.producer.stop()
            await pool.close()
