"""Workers' probes tell the truth: /healthz turns 503 when a loop is wedged (and back when it
moves), /readyz turns 503 while its database is cut (and back when it returns), both on a
port of their own, apart from /metrics."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from azora.consume.service import service, subscribe
from azora.consume.unit_of_work import UnitOfWork
from azora.health.probes import Probes
from azora.health.server import HealthServer
from azora.messages import Event
from schemas import catalogue as topics
from schemas.learning import UserRoleGranted
from stack import workers
from tests.support.processes import free_port, spawn
from tests.support.tcp_proxy import TcpProxy
from tests.support.world import World, eventually

pytestmark = pytest.mark.integration

DEADLINE_S = 60.0


class Clock:
    """The probes' clock, moved by hand: the deadline passes when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def answer(port: int, path: str, method: str = "GET") -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.request(method, f"http://127.0.0.1:{port}{path}")


async def answers(port: int, path: str, status: int) -> bool:
    try:
        return (await answer(port, path)).status_code == status
    except httpx.TransportError:
        return False


@pytest.fixture
async def probe_server() -> AsyncIterator[tuple[Probes, Clock, int]]:
    """Probes on a clock of the test's, served on a free port."""
    clock = Clock()
    probes = Probes(DEADLINE_S, clock=clock)
    server = HealthServer(probes)
    port = await server.start("127.0.0.1", 0)
    yield probes, clock, port
    await server.close()


async def test_an_idle_loop_stays_alive_and_one_blocked_in_a_handler_is_wedged_until_it_moves(
    world: World, probe_server: tuple[Probes, Clock, int]
) -> None:
    probes, clock, port = probe_server
    entered, release = asyncio.Event(), asyncio.Event()

    async def blocks(events: Sequence[Event[UserRoleGranted]], uow: UnitOfWork) -> None:
        entered.set()
        await release.wait()

    name = f"wedge-{uuid.uuid4().hex[:8]}"
    stop = asyncio.Event()
    running = asyncio.create_task(
        workers.run_services(
            world.settings,
            [service(name, subscribe(topics.USER_ROLE_GRANTED, blocks))],
            stop,
            probes=probes,
        )
    )
    try:
        await eventually(lambda: answers(port, "/readyz", 200), timeout=60)
        # Idle past the deadline: the next poll is a sign of life.
        clock.now += DEADLINE_S + 1
        await eventually(lambda: answers(port, "/healthz", 200))

        await world.publish([_granted()])
        await asyncio.wait_for(entered.wait(), timeout=60)
        assert (await answer(port, "/healthz")).status_code == 200
        clock.now += DEADLINE_S + 1
        wedged = await answer(port, "/healthz")

        assert wedged.status_code == 503
        assert wedged.json()["wedged"] == [name]
        # Its dependencies answer: only a restart would help it, and only /healthz says so.
        assert (await answer(port, "/readyz")).status_code == 200
        release.set()
        await eventually(lambda: answers(port, "/healthz", 200), timeout=30)
    finally:
        release.set()
        stop.set()
        await asyncio.wait_for(running, timeout=60)


async def test_a_consumer_is_unready_while_its_database_is_cut_and_alive_all_along(
    world: World, tmp_path: Path
) -> None:
    database = urlsplit(world.settings.database_url)
    assert database.hostname is not None
    assert database.port is not None
    proxy = TcpProxy(database.hostname, database.port)
    await proxy.start()
    await proxy.cut()  # it starts before its database answers
    through_proxy = database._replace(netloc=f"{database.username}@127.0.0.1:{proxy.port}").geturl()
    health, metrics = free_port(), free_port()
    env = {
        **os.environ,
        "AZORA_ENV": "test",
        "AZORA_TOPIC_PREFIX": world.settings.topic_prefix,
        "AZORA_KAFKA_BOOTSTRAP_SERVERS": world.settings.kafka_bootstrap_servers,
        "AZORA_DATABASE_URL": world.settings.database_url,
        "AZORA_WALLET_DATABASE_URL": through_proxy,
        "AZORA_HEALTH_PORT": str(health),
        "AZORA_METRICS_PORT": str(metrics),
    }
    with (tmp_path / "wallet.log").open("wb") as log:
        process = spawn([sys.executable, "-m", "stack", "consume", "wallet"], env, log)
    try:
        await eventually(lambda: answers(health, "/readyz", 503), timeout=60)
        assert (await answer(health, "/readyz")).json()["details"]["postgres"] == (
            "NotYet: not connected yet"
        )
        assert (await answer(health, "/healthz")).status_code == 200

        await proxy.restore()
        await eventually(lambda: answers(health, "/readyz", 200), timeout=60)
        ready = (await answer(health, "/readyz")).json()
        assert ready["checks"] == {"postgres": True, "kafka": True, "partitions": True}
        assert ready["details"]["partitions"].endswith("assigned")
        # The probes' port serves only the probes; /metrics has its own.
        assert (await answer(health, "/metrics")).status_code == 404
        assert "azora_consumer" in (await answer(metrics, "/metrics")).text

        await proxy.cut()
        await eventually(lambda: answers(health, "/readyz", 503), timeout=60)
        cut = (await answer(health, "/readyz")).json()
        assert cut["failed"] == ["postgres"]
        # A database that is down is no reason to restart the consumer.
        assert (await answer(health, "/healthz")).status_code == 200

        await proxy.restore()
        await eventually(lambda: answers(health, "/readyz", 200), timeout=60)
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait, 30)
        await proxy.cut()


async def test_the_probe_server_answers_its_two_paths_and_nothing_else(
    probe_server: tuple[Probes, Clock, int],
) -> None:
    probes, _, port = probe_server

    async def answers_ok() -> str:
        return "ok"

    probes.check("postgres", answers_ok)

    ready = await answer(port, "/readyz?verbose=1")
    assert (ready.status_code, ready.headers["content-type"]) == (200, "application/json")
    assert ready.json()["checks"] == {"postgres": True}
    assert (await answer(port, "/healthz", "HEAD")).status_code == 200
    assert (await answer(port, "/readyz", "POST")).status_code == 405
    assert (await answer(port, "/")).status_code == 404


def _granted() -> UserRoleGranted:
    return UserRoleGranted(
        user_id=uuid.uuid4(), role="admin", granted_by="test", granted_at=datetime.now(UTC)
    )
