"""Looks at the Kafka cluster for tests: brokers, replicas and leaders, group members."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment

from azora.kafka import client_kwargs
from azora.settings import Settings

Position = tuple[str, int]


@dataclass(frozen=True)
class PartitionState:
    """One partition as the cluster's metadata has it."""

    leader: int
    replicas: tuple[int, ...]
    in_sync: tuple[int, ...]


@contextlib.asynccontextmanager
async def admin(settings: Settings) -> AsyncIterator[AIOKafkaAdminClient]:
    client = AIOKafkaAdminClient(**client_kwargs(settings))
    await client.start()
    try:
        yield client
    finally:
        await client.close()


async def broker_ids(client: AIOKafkaAdminClient) -> list[int]:
    """The live brokers' ids."""
    return sorted(b["node_id"] for b in (await client.describe_cluster())["brokers"])


async def partition_states(
    client: AIOKafkaAdminClient, topics: Sequence[str]
) -> dict[Position, PartitionState]:
    """Leader, replicas and in-sync replicas of every partition of `topics` the broker knows."""
    states = {}
    for described in await client.describe_topics(list(topics)):
        if described["error_code"] != 0:
            continue  # not (yet) known to the broker asked
        for p in described["partitions"]:
            states[(described["topic"], p["partition"])] = PartitionState(
                p["leader"], tuple(p["replicas"]), tuple(p["isr"])
            )
    return states


async def topic_config(client: AIOKafkaAdminClient, topic: str, name: str) -> str | None:
    """One config value of `topic` as the broker reports it."""
    (response,) = await client.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    (resource,) = response.to_object()["resources"]
    for entry in resource["config_entries"]:
        if entry["config_names"] == name:
            return str(entry["config_value"])
    return None


async def group_assignment(client: AIOKafkaAdminClient, group: str) -> dict[str, set[Position]]:
    """Member id → the partitions the group's leader gave it (empty while rebalancing)."""
    (response,) = await client.describe_consumer_groups([group])
    members: dict[str, set[Position]] = {}
    for described in response.to_object()["groups"]:
        for member in described["members"]:
            owned: set[Position] = set()
            if member["member_assignment"]:
                decoded = ConsumerProtocolMemberAssignment.decode(member["member_assignment"])
                for topic, partitions in decoded.assignment:
                    owned |= {(topic, p) for p in partitions}
            members[member["member_id"]] = owned
    return members
