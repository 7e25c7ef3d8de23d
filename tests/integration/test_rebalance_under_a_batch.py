"""A rebalance while a member's batch is still applying: the member rejoins in time.

aiokafka rejoins the group only once the member's revoke callback returns, and the group
evicts a member that has not rejoined within the rebalance timeout (the session timeout,
6 s in tests). A callback that waited for the batch in hand for as long as it took got the
member evicted whenever a batch outlasted a rebalance: it went on as a stale member, its
Kafka commits refused, its partitions taken by the other member but stalled behind the
batch's claimed events. Here the batch is held inside its transaction, deterministically,
until the group has settled with both members owning partitions.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from azora import db as azora_db
from azora import kafka
from azora.consume.loop import ConsumeLoop
from azora.consume.service import Service
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from consumers.identity.rules import Registration
from schemas import catalogue
from stack.composition import loop_settings
from tests.integration.test_consume_loop import accounts_with, registration
from tests.support.registrations import on_registration_requested
from tests.support.world import World, eventually, running

pytestmark = pytest.mark.integration

TOPIC = catalogue.USER_REGISTRATION_REQUESTED


class HeldOnce:
    """Identity's registration handler, whose next batch waits inside its transaction."""

    def __init__(self) -> None:
        self.armed = False
        self.holding = asyncio.Event()
        self.released = asyncio.Event()

    async def __call__(self, events: Sequence[Event[Registration]], uow: UnitOfWork) -> None:
        if self.armed:
            self.armed = False
            self.holding.set()
            await self.released.wait()
        await on_registration_requested(events, uow)


@contextlib.asynccontextmanager
async def member(world: World, service: Service) -> AsyncIterator[ConsumeLoop]:
    """One member of the service's group, running in this event loop."""
    settings = world.settings
    group = world.names.group(service.name)
    pool = await azora_db.create_pool(settings.database_url, min_size=1, max_size=4)
    loop = ConsumeLoop(
        service,
        kafka.make_consumer(settings, group, f"test-{service.name}"),
        pool,
        world.names,
        loop_settings(settings),
        group=group,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    try:
        yield loop
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=60)
        await pool.close()


async def test_a_member_whose_batch_outlasts_a_rebalance_rejoins_and_nothing_is_lost_or_repeated(
    world: World, db: asyncpg.Pool
) -> None:
    handler = HeldOnce()
    service = Service(name=f"test-{uuid.uuid4().hex[:8]}", handlers={TOPIC: handler})
    group = world.names.group(service.name)
    topic = world.names.physical(TOPIC)
    # Asked until the broker's metadata has the new topic: right after other tests deleted
    # theirs, a first answer can still be "no such topic" (and an empty set never splits).
    numbers: list[int] = []

    async def described() -> bool:
        numbers[:] = await kafka.partitions_of(world.settings, topic)
        return bool(numbers)

    await eventually(described, timeout=60)
    partitions = {TopicPartition(topic, p) for p in numbers}
    first = [registration() for _ in range(10)]
    held = [registration() for _ in range(40)]

    async with running(world), member(world, service) as a:  # the relay publishes outcomes
        await world.publish(first)
        await eventually(lambda: _applied(db, first), timeout=60)
        handler.armed = True
        await world.publish(held)
        await asyncio.wait_for(handler.holding.wait(), timeout=60)

        async with member(world, service) as b:
            try:
                # Both members own partitions of the new generation while the batch is held.
                await eventually(lambda: _split_between(partitions, a, b), timeout=60)
            finally:
                handler.released.set()
            await eventually(lambda: _applied(db, first + held), timeout=60)
            await eventually(lambda: _committed_to_the_end(world, db, group), timeout=60)
        registered = await world.wait_for_records(
            world.names.physical(catalogue.USER_REGISTERED_V3), len(first) + len(held)
        )

    assert len(registered) == len(first) + len(held), "each registration applied once"
    rejected = await world.read_all(world.names.physical(catalogue.USER_REGISTRATION_REJECTED_V2))
    assert rejected == []


async def _applied(db: asyncpg.Pool, commands: Sequence[Registration]) -> bool:
    return await accounts_with(db, [c.email for c in commands]) == len(commands)


async def _split_between(partitions: set[TopicPartition], a: ConsumeLoop, b: ConsumeLoop) -> bool:
    """Each member owns some partitions, none owned twice, and every one owned."""
    owned_a, owned_b = a.consumer.assignment(), b.consumer.assignment()
    return bool(owned_a and owned_b) and not owned_a & owned_b and owned_a | owned_b == partitions


async def _committed_to_the_end(world: World, db: asyncpg.Pool, group: str) -> bool:
    """Kafka's committed offsets are the stored ones, and both are at the end of the topic."""
    admin = AIOKafkaAdminClient(bootstrap_servers=world.settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    in_kafka = {tp.partition: meta.offset for tp, meta in committed.items()}
    rows = await db.fetch(
        "SELECT partition, next_offset FROM azora.consumer_offsets WHERE group_id = $1", group
    )
    stored = {row["partition"]: row["next_offset"] for row in rows}
    ends = await _end_offsets(world)
    return in_kafka == stored == {p: end for p, end in ends.items() if end}


async def _end_offsets(world: World) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=world.settings.kafka_bootstrap_servers)
    await consumer.start()
    try:
        topic = world.names.physical(TOPIC)
        numbers = await kafka.partitions_of(world.settings, topic)
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in numbers])
    finally:
        await consumer.stop()
    return {tp.partition: offset for tp, offset in ends.items()}
