"""The chaos suite's stack: `azora run` in a private world, started on the repo's own Kafka
and Postgres (which the tests restart) and stopped after the test, however it ended."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.chaos.harness import StartStack, own_services_run
from tests.chaos.stack import ChaosStack
from tests.support.model_server import ModelServer
from tests.support.world import World


@pytest.fixture
async def start_chaos_stack(
    private_world: World, stripe_mock: str, model_server: ModelServer, tmp_path: Path
) -> AsyncIterator[StartStack]:
    """Starts the stack (`instances` of every consumer role and of the relay) when called."""
    own_services_run()
    started: list[ChaosStack] = []

    async def start(instances: int) -> ChaosStack:
        stack = ChaosStack(
            private_world, stripe_mock, model_server, tmp_path / "azora-run.log", instances
        )
        started.append(stack)
        await asyncio.to_thread(stack.start)
        return stack

    try:
        yield start
    finally:
        for stack in started:
            await asyncio.to_thread(stack.stop)
