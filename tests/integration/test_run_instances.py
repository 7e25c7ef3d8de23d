"""`azora run --instances`: two processes of a role are two members of its one consumer group,
and Kafka splits the group's partitions between them."""

from __future__ import annotations

from pathlib import Path

import pytest

from stack.composition import services_for
from tests.support.cluster import Position, admin, group_assignment
from tests.support.model_server import ModelServer
from tests.support.stack import stack_env, stack_ports, start_stack, stop_stack
from tests.support.world import World, eventually

pytestmark = pytest.mark.integration


async def test_two_wallet_instances_share_its_group_and_split_every_partition(
    world: World, stripe_mock: str, model_server: ModelServer, tmp_path: Path
) -> None:
    group = world.names.group("wallet")
    (wallet,) = services_for(world.settings, "wallet")
    wanted: set[Position] = {
        (world.names.physical(spec), p) for spec in wallet.topics for p in range(spec.partitions)
    } | {(world.names.dlq(spec), 0) for spec in wallet.dead_letter_handlers}
    port, metrics_base, health_base = stack_ports()
    env = stack_env(
        world.settings,
        port=port,
        metrics_base=metrics_base,
        health_base=health_base,
        stripe_mock=stripe_mock,
        model_server_url=model_server.base_url,
        AZORA_RUN_INSTANCES="wallet=2",
        AZORA_LOG_LEVEL="WARNING",
    )
    stack = start_stack(env, tmp_path / "azora-run.log")
    seen: list[dict[str, set[Position]]] = []
    try:
        async with admin(world.settings) as client:

            async def split_between_two() -> bool:
                members = await group_assignment(client, group)
                seen.append(members)
                owned = {p for partitions in members.values() for p in partitions}
                return len(members) == 2 and all(members.values()) and owned == wanted

            await eventually(split_between_two, timeout=180, interval=1.0)
    finally:
        stop_stack(stack)

    first, second = seen[-1].values()
    assert first & second == set()
    assert first | second == wanted
