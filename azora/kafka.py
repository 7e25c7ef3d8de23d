"""Kafka clients and topic administration, built from settings (nothing connects on import)."""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from azora.settings import Settings
from azora.topics import TopicNames
from schemas.catalogue import CATALOGUE, DLQ_RETENTION_MS


def make_producer(settings: Settings, client_id: str) -> AIOKafkaProducer:
    """An idempotent producer that waits for every in-sync replica (acks=all)."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        request_timeout_ms=15000,
    )


def make_consumer(settings: Settings, group: str, client_id: str) -> AIOKafkaConsumer:
    """A group consumer that never commits on its own: the loop decides what is done."""
    return AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=group,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=4 * 1024 * 1024,
        fetch_max_wait_ms=settings.consumer_fetch_wait_ms,
        # Leave a slow batch (a retry storm) time before the group evicts this member.
        max_poll_interval_ms=600_000,
        session_timeout_ms=settings.consumer_session_timeout_ms,
        heartbeat_interval_ms=settings.consumer_heartbeat_ms,
    )


@dataclass(frozen=True)
class DesiredTopic:
    """A topic as the catalogue wants it on the broker."""

    name: str
    partitions: int
    configs: dict[str, str]


def desired_topics(names: TopicNames) -> list[DesiredTopic]:
    """Every catalogue topic and its dead-letter topic, with partitions and retention."""
    topics = []
    for spec in CATALOGUE:
        topics.append(
            DesiredTopic(
                names.physical(spec),
                spec.partitions,
                {"retention.ms": str(spec.retention_ms), "cleanup.policy": spec.cleanup_policy},
            )
        )
        topics.append(
            DesiredTopic(
                names.dlq(spec),
                1,
                {"retention.ms": str(DLQ_RETENTION_MS), "cleanup.policy": "delete"},
            )
        )
    return topics


async def apply_topics(
    settings: Settings, names: TopicNames, replication_factor: int = 1
) -> list[str]:
    """Create missing topics, grow partitions, and set configs; return what changed."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    changes: list[str] = []
    try:
        existing = await _partition_counts(admin)
        wanted = desired_topics(names)
        missing = [t for t in wanted if t.name not in existing]
        if missing:
            await admin.create_topics(
                [
                    NewTopic(t.name, t.partitions, replication_factor, topic_configs=t.configs)
                    for t in missing
                ]
            )
            changes += [f"created {t.name} ({t.partitions} partitions)" for t in missing]
        present = [t for t in wanted if t.name in existing]
        grow = {
            t.name: NewPartitions(t.partitions) for t in present if existing[t.name] < t.partitions
        }
        if grow:
            await admin.create_partitions(grow)
            changes += [f"grew {name} to {p.total_count} partitions" for name, p in grow.items()]
        if present:
            # Kafka never shrinks partitions; configs we simply set to what the catalogue says.
            await admin.alter_configs(
                [ConfigResource(ConfigResourceType.TOPIC, t.name, t.configs) for t in present]
            )
    finally:
        await admin.close()
    return changes


async def list_topics(settings: Settings) -> dict[str, int]:
    """Topic name → partition count, as the broker sees it."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        return await _partition_counts(admin)
    finally:
        await admin.close()


async def partitions_of(settings: Settings, topic: str) -> list[int]:
    """The partition numbers of `topic` (empty when it does not exist)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return sorted(
        p["partition"] for d in described if d["error_code"] == 0 for p in d["partitions"]
    )


async def delete_topics(settings: Settings, topics: list[str]) -> None:
    """Delete `topics` (tests clean up their private namespaces with this)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        await admin.delete_topics(topics)
    finally:
        await admin.close()


async def _partition_counts(admin: AIOKafkaAdminClient) -> dict[str, int]:
    names = await admin.list_topics()
    described = await admin.describe_topics(list(names)) if names else []
    return {d["topic"]: len(d["partitions"]) for d in described if not d["topic"].startswith("__")}
