"""The whole stack as `azora run` starts it, in a private topic namespace, over real HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from azora.settings import Settings
from tests.support.model_server import ModelServer
from tests.support.processes import spawn
from tests.support.world import World, created, new_world


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
async def stack_world(base_settings: Settings) -> AsyncIterator[World]:
    """Topics of the e2e stack's own."""
    async with created(new_world(base_settings)) as world:
        yield world


@pytest.fixture(scope="session")
def stripe_mock() -> str:
    """stripe-mock's URL: installed with `go install` and started if need be."""
    script = Path(__file__).parents[2] / "infra" / "stripe" / "stripe-mock.sh"
    subprocess.run([str(script), "start"], check=True, stdout=subprocess.DEVNULL)
    url = subprocess.run([str(script), "url"], check=True, capture_output=True, text=True)
    return url.stdout.strip()


@pytest.fixture(scope="session")
def model_server() -> Iterator[ModelServer]:
    """The OpenAI-compatible server the stack's tutor talks to."""
    server = ModelServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def stack(
    stack_world: World,
    stripe_mock: str,
    model_server: ModelServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """`azora run` on a free port; yields its base URL once /readyz answers 200."""
    port = free_port()
    metrics_base = free_port()
    settings = stack_world.settings
    env = {
        **os.environ,
        "AZORA_ENV": "test",
        "AZORA_SECRET_KEY": settings.secret_key.get_secret_value(),
        "AZORA_STRIPE_WEBHOOK_SECRET": settings.stripe_webhook_secret.get_secret_value(),
        "AZORA_TOPIC_PREFIX": settings.topic_prefix,
        "AZORA_DATABASE_URL": settings.database_url,
        "AZORA_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "AZORA_INGRESS_PORT": str(port),
        "AZORA_METRICS_PORT_BASE": str(metrics_base),
        "AZORA_STRIPE_API_KEY": "sk_test_azoraStripeMock",
        "AZORA_STRIPE_API_BASE": stripe_mock,
        "AZORA_OPENAI_API_KEY": "test-key",
        "AZORA_OPENAI_BASE_URL": model_server.base_url,
        "AZORA_OPENAI_TIMEOUT_S": "1",
        "AZORA_TUTOR_MAX_ATTEMPTS": "2",
        "AZORA_TUTOR_QUESTIONS_PER_HOUR": "5",
        "AZORA_LAG_POLL_INTERVAL_S": "1",
    }
    log = tmp_path_factory.mktemp("stack") / "azora-run.log"
    with Path(log).open("wb") as sink:
        process = spawn([sys.executable, "-m", "azora", "run"], env, sink)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process, log)
        os.environ["AZORA_TEST_METRICS_PORT_BASE"] = str(metrics_base)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"azora run exited early:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"azora run not ready in 90s:\n{log.read_text()[-3000:]}")


@pytest.fixture
async def http(stack: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the running stack."""
    async with httpx.AsyncClient(base_url=stack, timeout=40) as client:
        yield client
