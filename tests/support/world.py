"""A private world on the real broker: a topic prefix of its own, and tools to use it."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import ConsumerRecord
from pydantic import BaseModel

from azora import kafka, topic_setup
from azora.consume.service import Service
from azora.messages import build_envelope, encode, message_key
from azora.settings import Settings
from azora.topics import TopicNames
from schemas.catalogue import TopicSpec, spec_for
from schemas.envelope import Envelope
from stack import composition, workers


@dataclass
class World:
    """Settings whose topics carry a unique prefix, so tests never see each other's events."""

    settings: Settings

    @property
    def names(self) -> TopicNames:
        return composition.names(self.settings)

    async def produce(
        self, records: Sequence[tuple[TopicSpec, bytes | None, bytes | None]]
    ) -> None:
        """Send raw (spec, key, value) records in order and wait for every ack."""
        producer = AIOKafkaProducer(
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
        )
        await producer.start()
        try:
            futures = [
                await producer.send(self.names.physical(spec), value, key=key)
                for spec, key, value in records
            ]
            await asyncio.gather(*futures)
        finally:
            await producer.stop()

    async def publish(self, payloads: Sequence[BaseModel], actor: str = "test") -> list[Envelope]:
        """Publish payloads as commands (each its own correlation) and return their envelopes."""
        envelopes = []
        records: list[tuple[TopicSpec, bytes | None, bytes | None]] = []
        for payload in payloads:
            spec = spec_for(payload)
            envelope = build_envelope(spec, payload, actor=actor)
            message = encode(spec, envelope, message_key(spec, payload), self.names)
            envelopes.append(envelope)
            records.append((spec, message.key, message.value))
        await self.produce(records)
        return envelopes

    async def read_all(self, physical_topic: str, timeout: float = 15.0) -> list[ConsumerRecord]:
        """Every record now on a topic, read without a consumer group."""
        partitions = await kafka.partitions_of(self.settings, physical_topic)
        if not partitions:
            return []
        tps = [TopicPartition(physical_topic, p) for p in partitions]
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.settings.kafka_bootstrap_servers, enable_auto_commit=False
        )
        await consumer.start()
        try:
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            ends = await consumer.end_offsets(tps)
            records: list[ConsumerRecord] = []
            async with asyncio.timeout(timeout):
                while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
                    fetched = await consumer.getmany(timeout_ms=500)
                    for batch in fetched.values():
                        records.extend(batch)
            return records
        finally:
            await consumer.stop()

    async def wait_for_records(
        self, physical_topic: str, count: int, timeout: float = 60.0
    ) -> list[ConsumerRecord]:
        """Read a topic until it holds at least `count` records (or fail after `timeout`)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            records = await self.read_all(physical_topic)
            if len(records) >= count or asyncio.get_running_loop().time() > deadline:
                return records
            await asyncio.sleep(0.3)


def new_world(base: Settings, **overrides: object) -> World:
    """A world with a fresh prefix (topics not yet created)."""
    prefix = f"t{uuid.uuid4().hex[:10]}."
    return World(base.model_copy(update={"topic_prefix": prefix, **overrides}))


@contextlib.asynccontextmanager
async def created(world: World) -> AsyncIterator[World]:
    """Create the world's topics; afterwards drain its outbox rows and delete its topics."""
    await topic_setup.apply_topics(world.settings, world.names)
    try:
        yield world
    finally:
        await _forget(world)


async def _forget(world: World) -> None:
    # Rows for deleted topics would stall every relay: wait for them to go out, then drop
    # whatever is left before deleting the topics.
    pattern = world.settings.topic_prefix.replace("_", r"\_") + "%"
    conn = await asyncpg.connect(world.settings.database_url)
    try:
        for _ in range(50):
            if not await conn.fetchval(
                "SELECT count(*) FROM azora.outbox WHERE topic LIKE $1", pattern
            ):
                break
            await asyncio.sleep(0.2)
        await conn.execute("DELETE FROM azora.outbox WHERE topic LIKE $1", pattern)
    finally:
        await conn.close()
    await kafka.delete_topics(world.settings, world.names.all_physical())


@contextlib.asynccontextmanager
async def running(world: World, *services: Service, relay: bool = True) -> AsyncIterator[None]:
    """Run `services` (and the relay) in this event loop while the block runs."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(workers.run_services(world.settings, services, stop))]
    if relay:
        tasks.append(asyncio.create_task(workers.run_relay(world.settings, stop)))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)


async def eventually(check: object, timeout: float = 30.0, interval: float = 0.2) -> None:
    """Await `check()` until it returns truthy, or fail with its last value."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: object = None
    while asyncio.get_running_loop().time() < deadline:
        last = await check()  # type: ignore[operator]
        if last:
            return
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")
