"""`azora projections list`: each projection's live version, position and lag."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition

from azora import databases, db, kafka
from azora.consume import store
from azora.consume.service import Service
from azora.settings import Settings
from azora.topics import TopicNames
from stack.rebuild import versions


@dataclass(frozen=True)
class Position:
    """A group's place on a projection's topics."""

    group: str
    applied: int  # sum of the group's stored next offsets
    lag: int  # records on the topics it has not applied


@dataclass(frozen=True)
class ProjectionState:
    """One row of the listing."""

    name: str
    tables: tuple[str, ...]
    live_version: int
    live: Position
    building_version: int | None
    building: Position | None


async def list_projections(
    settings: Settings, projections: Sequence[Service], names: TopicNames
) -> list[ProjectionState]:
    """Versions from Postgres, positions from the stored offsets, ends from Kafka."""
    ends = await end_offsets(settings, {t for p in projections for t in p.physical_topics(names)})
    pool = await db.create_pool(databases.url_for(settings, "projections"), min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            return [await _state(conn, projection, names, ends) for projection in projections]
    finally:
        await pool.close()


async def _state(
    conn: db.Connection, projection: Service, names: TopicNames, ends: dict[TopicPartition, int]
) -> ProjectionState:
    topics = projection.physical_topics(names)
    building = await versions.building(conn, projection.name)
    return ProjectionState(
        name=projection.name,
        tables=projection.tables,
        live_version=await versions.live_version(conn, projection.name),
        live=await _position(conn, names.group("projections"), topics, ends),
        building_version=building.version if building else None,
        building=await _position(conn, building.group, topics, ends) if building else None,
    )


async def _position(
    conn: db.Connection, group: str, topics: list[str], ends: dict[TopicPartition, int]
) -> Position:
    stored = await store.load_offsets(conn, group, topics)
    mine = [tp for tp in ends if tp.topic in topics]
    applied = sum(stored.get((tp.topic, tp.partition), 0) for tp in mine)
    return Position(group, applied, sum(ends[tp] for tp in mine) - applied)


async def end_offsets(settings: Settings, topics: set[str]) -> dict[TopicPartition, int]:
    """Every partition's end offset (the next offset to be written) of `topics`."""
    tps = [
        TopicPartition(topic, p)
        for topic, numbers in sorted((await kafka.partitions(settings, list(topics))).items())
        for p in numbers
    ]
    if not tps:
        return {}
    consumer = AIOKafkaConsumer(**kafka.client_kwargs(settings))
    await consumer.start()
    try:
        ends: dict[TopicPartition, int] = await consumer.end_offsets(tps)
        return ends
    finally:
        await consumer.stop()
