"""The whole stack as `azora run` starts it, in a private topic namespace, over real HTTP."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from azora.settings import Settings
from tests.support.model_server import ModelServer
from tests.support.portal import PORTAL_DIST
from tests.support.processes import free_port
from tests.support.stack import stack_env, start_stack, stop_stack
from tests.support.world import World, created, new_world


@pytest.fixture(scope="session")
async def stack_world(base_settings: Settings) -> AsyncIterator[World]:
    """Topics of the e2e stack's own."""
    async with created(new_world(base_settings)) as world:
        yield world


@pytest.fixture(scope="session")
def portal_origin() -> str:
    """The other origin the browser tests serve the portal from (CORS lets it call)."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="session")
def stack(
    stack_world: World,
    stripe_mock: str,
    model_server: ModelServer,
    portal_origin: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """`azora run` on a free port; yields its base URL once /readyz answers 200."""
    port = free_port()
    metrics_base = free_port()
    settings = stack_world.settings
    env = stack_env(
        settings,
        port=port,
        metrics_base=metrics_base,
        stripe_mock=stripe_mock,
        model_server_url=model_server.base_url,
        AZORA_OPENAI_TIMEOUT_S="1",
        AZORA_TUTOR_MAX_ATTEMPTS="2",
        AZORA_TUTOR_QUESTIONS_PER_HOUR="5",
        AZORA_TUTOR_PATHS_PER_HOUR="3",
        AZORA_LAG_POLL_INTERVAL_S="1",
        # The tests stand behind a trusted proxy at loopback: each speaks as a client
        # address of its own (X-Forwarded-For), so one test's failed logins never lock
        # out another's.
        AZORA_TRUSTED_PROXIES="127.0.0.1/32",
        # The portal (tests/e2e/browser): served at /portal/ from its build, called from
        # a second origin too, and its card payments settled by the development control.
        AZORA_PORTAL_DIR=str(PORTAL_DIST),
        AZORA_CORS_ALLOW_ORIGINS=portal_origin,
        AZORA_DEV_PAYMENT_CONTROLS="true",
    )
    log = tmp_path_factory.mktemp("stack") / "azora-run.log"
    # Generous: on a busy machine the consumers take a while to join their groups.
    process = start_stack(env, Path(log), timeout=240)
    try:
        os.environ["AZORA_TEST_METRICS_PORT_BASE"] = str(metrics_base)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_stack(process, timeout=30)


@pytest.fixture
async def http(stack: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the running stack."""
    async with httpx.AsyncClient(base_url=stack, timeout=40) as client:
        yield client
