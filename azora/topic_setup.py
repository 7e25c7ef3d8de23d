"""The catalogue's topics on the broker: created, grown and configured to match the code.

`azora topics apply` (and every test world, every benchmark) goes through `apply_topics`;
the Helm chart's Strimzi KafkaTopics are rendered from `desired_topics` (infra/helm/sync.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from azora.kafka import DLQ_MAX_MESSAGE_BYTES, client_kwargs
from azora.replication import Replication, min_insync_for_existing, replication_for
from azora.settings import Settings
from azora.topics import TopicNames
from schemas.catalogue import CATALOGUE, DLQ_RETENTION_MS


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
                {
                    "retention.ms": str(DLQ_RETENTION_MS),
                    "cleanup.policy": "delete",
                    "max.message.bytes": str(DLQ_MAX_MESSAGE_BYTES),
                },
            )
        )
    return topics


@dataclass(frozen=True)
class TopicsApplied:
    """What `apply_topics` did, and what it could not do on its own."""

    replication: Replication
    changes: list[str]
    # Topics with fewer replicas than wanted: Kafka adds none to an existing topic.
    warnings: list[str]


async def apply_topics(
    settings: Settings,
    names: TopicNames,
    replication_factor: int | None = None,
    min_insync_replicas: int | None = None,
) -> TopicsApplied:
    """Create missing topics, grow partitions, and set configs; return what changed.

    Replicas: as given, else three on a cluster of three brokers or more (one on a single
    broker), with min.insync.replicas a majority of them (`azora.replication`).
    """
    admin = AIOKafkaAdminClient(**client_kwargs(settings))
    await admin.start()
    changes: list[str] = []
    warnings: list[str] = []
    try:
        brokers = len((await admin.describe_cluster())["brokers"])
        replication = replication_for(brokers, replication_factor, min_insync_replicas)
        existing = await _describe(admin)
        wanted = desired_topics(names)
        missing = [t for t in wanted if t.name not in existing]
        if missing:
            await admin.create_topics(
                [
                    NewTopic(
                        t.name,
                        t.partitions,
                        replication.factor,
                        topic_configs=t.configs | _min_insync(replication.min_insync),
                    )
                    for t in missing
                ]
            )
            changes += [
                f"created {t.name} ({t.partitions} partitions, {replication.factor} replicas)"
                for t in missing
            ]
        present = [t for t in wanted if t.name in existing]
        grow = {
            t.name: NewPartitions(t.partitions)
            for t in present
            if existing[t.name].partitions < t.partitions
        }
        if grow:
            await admin.create_partitions(grow)
            changes += [f"grew {name} to {p.total_count} partitions" for name, p in grow.items()]
        warnings += [
            f"{t.name} has {existing[t.name].replicas} replica(s), not {replication.factor}: "
            "Kafka adds none to an existing topic; reassign its partitions "
            "(docs/operating.md, 'More replicas for an existing topic')"
            for t in present
            if existing[t.name].replicas < replication.factor
        ]
        if present:
            # Kafka never shrinks partitions; configs we simply set to what the catalogue says
            # (AlterConfigs replaces a topic's whole set: min.insync.replicas goes every time).
            await admin.alter_configs(
                [
                    ConfigResource(
                        ConfigResourceType.TOPIC,
                        t.name,
                        t.configs
                        | _min_insync(
                            min_insync_for_existing(replication, existing[t.name].replicas)
                        ),
                    )
                    for t in present
                ]
            )
    finally:
        await admin.close()
    return TopicsApplied(replication, changes, warnings)


def _min_insync(count: int) -> dict[str, str]:
    return {"min.insync.replicas": str(count)}


@dataclass(frozen=True)
class _OnBroker:
    partitions: int
    # The fewest replicas of any of its partitions.
    replicas: int


async def _describe(admin: AIOKafkaAdminClient) -> dict[str, _OnBroker]:
    names = await admin.list_topics()
    described = await admin.describe_topics(list(names)) if names else []
    return {
        d["topic"]: _OnBroker(
            len(d["partitions"]),
            min((len(p["replicas"]) for p in d["partitions"]), default=0),
        )
        for d in described
        if not d["topic"].startswith("__")
    }
