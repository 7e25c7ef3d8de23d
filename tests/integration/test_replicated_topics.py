"""`azora topics apply` on the real cluster: as many replicas as it allows (three at most), a
majority of them needed for every write; under `AZORA_KAFKA_BROKERS=3 make test`, three
replicas and min.insync.replicas 2."""

from __future__ import annotations

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from azora.settings import Settings
from azora.topic_setup import apply_topics
from tests.support.cluster import admin, broker_ids, partition_states, topic_config
from tests.support.world import World, eventually, new_world

pytestmark = pytest.mark.integration


async def test_every_topic_gets_the_replicas_the_cluster_allows_and_a_majority_in_sync(
    world: World,
) -> None:
    topics = world.names.all_physical()
    partitions = sum(3 if not t.endswith(".dlq") else 1 for t in topics)
    async with admin(world.settings) as client:
        brokers = await broker_ids(client)
        replicas = min(len(brokers), 3)
        # Each broker learns of a new topic, and of its configs, a moment after it was made.
        await eventually(
            lambda: _described(client, topics, partitions, "2" if replicas == 3 else "1"), 60
        )
        states = await partition_states(client, topics)

    assert {len(state.replicas) for state in states.values()} == {replicas}
    assert all(set(state.replicas) <= set(brokers) for state in states.values())


async def _described(
    client: AIOKafkaAdminClient, topics: list[str], partitions: int, in_sync: str
) -> bool:
    states = await partition_states(client, topics)
    configs = {await topic_config(client, topic, "min.insync.replicas") for topic in topics}
    return len(states) == partitions and configs == {in_sync}


async def test_applying_the_topics_again_changes_nothing(world: World) -> None:
    applied = await apply_topics(world.settings, world.names)

    assert applied.changes == []
    assert applied.warnings == []


async def test_an_older_topic_with_fewer_replicas_is_named_and_never_asked_for_more_in_sync(
    base_settings: Settings,
) -> None:
    world = new_world(base_settings)
    async with admin(world.settings) as client:
        if len(await broker_ids(client)) < 3:
            pytest.skip("needs the three-broker cluster (AZORA_KAFKA_BROKERS=3)")
        older = world.names.all_physical()[0]
        await client.create_topics([NewTopic(older, 3, 1)])
    try:
        applied = await apply_topics(world.settings, world.names)
        assert [w for w in applied.warnings if w.startswith(f"{older} has 1 replica(s), not 3")]
        assert len(applied.warnings) == 1
        async with admin(world.settings) as client:

            async def asks_for_one_in_sync() -> bool:
                return await topic_config(client, older, "min.insync.replicas") == "1"

            await eventually(asks_for_one_in_sync, 30)
    finally:
        async with admin(world.settings) as client:
            await client.delete_topics(world.names.all_physical())
