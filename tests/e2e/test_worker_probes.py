"""Every worker of the stack answers its probes on a port of its own, apart from /metrics."""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest

from azora.databases import where
from stack.cli import ROLES
from tests.support.world import World, eventually

pytestmark = pytest.mark.e2e

WORKERS = [*ROLES, "relay", "lag-exporter"]


def health_port(child: str) -> int:
    """`azora run` numbers its children from the base: ingress, roles, relay, lag exporter."""
    children = ["ingress", *WORKERS]
    return int(os.environ["AZORA_TEST_HEALTH_PORT_BASE"]) + children.index(child)


async def probe(child: str, path: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.get(f"http://127.0.0.1:{health_port(child)}{path}")


async def ready(child: str) -> dict[str, Any] | None:
    answer = await probe(child, "/readyz")
    body: dict[str, Any] = answer.json()
    return body if answer.status_code == 200 else None


@pytest.mark.parametrize("child", WORKERS)
async def test_a_worker_of_the_stack_is_alive_and_ready(stack: str, child: str) -> None:
    await eventually(lambda: ready(child), timeout=60)
    alive = await probe(child, "/healthz")

    assert alive.status_code == 200
    assert alive.json()["status"] == "ok"
    assert alive.json()["wedged"] == []
    assert (await probe(child, "/metrics")).status_code == 404


async def test_a_consumer_is_ready_with_its_database_kafka_and_partitions(stack: str) -> None:
    await eventually(lambda: ready("wallet"), timeout=60)
    body = await ready("wallet")

    assert body is not None
    assert body["checks"] == {"postgres": True, "kafka": True, "partitions": True}
    assert body["details"]["partitions"].endswith("assigned")


async def test_the_relay_is_ready_with_every_database_it_relays(
    stack: str, stack_world: World, service_databases: dict[str, str]
) -> None:
    await eventually(lambda: ready("relay"), timeout=60)
    body = await ready("relay")
    relayed = {stack_world.settings.database_url, *service_databases.values()}

    assert body is not None
    assert set(body["checks"]) == {
        f"{check} {where(url)}" for url in relayed for check in ("postgres", "kafka")
    }
    assert set((await probe("relay", "/healthz")).json()["loops"]) == {
        f"relay {where(url)}" for url in relayed
    }
