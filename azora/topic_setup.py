"""The catalogue's topics on the broker: created, grown and configured to match the code.

`azora topics apply` (and every test world, every benchmark) goes through `apply_topics`;
the Helm chart's Strimzi KafkaTopics are rendered from `desired_topics` (infra/helm/sync.py).
"""

from __future__ import annotations

import asyncio
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


# The CreateTopics error code for a topic that exists already.
TOPIC_ALREADY_EXISTS = 36


class TopicSetupError(RuntimeError):
    """The broker refused to create a topic (its reason in the message)."""


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
    try:
        brokers = len((await admin.describe_cluster())["brokers"])
        replication = replication_for(brokers, replication_factor, min_insync_replicas)
        wanted = desired_topics(names)
        existing = await _describe(admin)
        created, raced = await _create(
            admin, [t for t in wanted if t.name not in existing], replication
        )
        if raced:
            # Made by someone else since we looked (or not yet in this broker's metadata).
            existing |= await _describe_until_present(admin, raced)
        present = [t for t in wanted if t.name in existing]
        changes = [
            f"created {t.name} ({t.partitions} partitions, {replication.factor} replicas)"
            for t in created
        ] + await _grow(admin, present, existing)
        warnings = [
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


async def _create(
    admin: AIOKafkaAdminClient, missing: list[DesiredTopic], replication: Replication
) -> tuple[list[DesiredTopic], list[str]]:
    """Create `missing`; return those created and the names someone else created first."""
    if not missing:
        return [], []
    response = await admin.create_topics(
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
    failed: dict[str, tuple[int, str | None]] = {
        error[0]: (error[1], error[2] if len(error) > 2 else None)
        for error in response.topic_errors
        if error[1] != 0
    }
    raced = [name for name, (code, _) in failed.items() if code == TOPIC_ALREADY_EXISTS]
    broken = {name: why for name, why in failed.items() if why[0] != TOPIC_ALREADY_EXISTS}
    if broken:
        raise TopicSetupError(
            "could not create "
            + "; ".join(
                f"{name}: {message or f'error {code}'}" for name, (code, message) in broken.items()
            )
        )
    return [t for t in missing if t.name not in failed], raced


async def _grow(
    admin: AIOKafkaAdminClient, present: list[DesiredTopic], existing: dict[str, _OnBroker]
) -> list[str]:
    grow = {
        t.name: NewPartitions(t.partitions)
        for t in present
        if existing[t.name].partitions < t.partitions
    }
    if not grow:
        return []
    await admin.create_partitions(grow)
    return [f"grew {name} to {p.total_count} partitions" for name, p in grow.items()]


def _min_insync(count: int) -> dict[str, str]:
    return {"min.insync.replicas": str(count)}


@dataclass(frozen=True)
class _OnBroker:
    partitions: int
    # The fewest replicas of any of its partitions.
    replicas: int


async def _describe(
    admin: AIOKafkaAdminClient, names: list[str] | None = None
) -> dict[str, _OnBroker]:
    """Partitions and replicas of `names` (default: every topic) that the broker knows."""
    names = names if names is not None else await admin.list_topics()
    described = await admin.describe_topics(list(names)) if names else []
    return {
        d["topic"]: _OnBroker(
            len(d["partitions"]),
            min((len(p["replicas"]) for p in d["partitions"]), default=0),
        )
        for d in described
        if d["error_code"] == 0 and not d["topic"].startswith("__")
    }


async def _describe_until_present(
    admin: AIOKafkaAdminClient, names: list[str]
) -> dict[str, _OnBroker]:
    # A broker learns of a new topic from the controller a moment after it was made.
    for _ in range(100):
        found = await _describe(admin, names)
        if len(found) == len(names):
            return found
        await asyncio.sleep(0.1)
    missing = sorted(set(names) - set(found))
    raise TopicSetupError(f"the broker reports {missing} as existing, yet cannot describe them")
