"""The whole stack as `azora run` starts it, in a private topic namespace, over real HTTP."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from azora.settings import Settings
from tests.support.model_server import ModelServer
from tests.support.processes import free_port
from tests.support.stack import stack_env, start_stack, stop_stack
from tests.support.used_secrets import UsedSecrets
from tests.support.world import World, created, new_world

# The OpenAI key the stack is given (the model server in the tests takes any).
OPENAI_KEY = "test-key-of-the-e2e-run"


@pytest.fixture(scope="session")
async def stack_world(base_settings: Settings) -> AsyncIterator[World]:
    """Topics of the e2e stack's own."""
    async with created(new_world(base_settings)) as world:
        yield world


@pytest.fixture(scope="session")
def stack_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where every process of the e2e stack writes its log lines."""
    return tmp_path_factory.mktemp("stack") / "azora-run.log"


@pytest.fixture(scope="session")
def used_secrets(stack_world: World) -> UsedSecrets:
    """The secrets of the e2e run: the stack's own, and every one its HTTP traffic carried."""
    from tests.e2e.helpers import PASSWORD

    used = UsedSecrets()
    settings = stack_world.settings
    used.add(
        settings.required_secret("secret_key"),
        settings.required_secret("stripe_webhook_secret"),
        PASSWORD,
        OPENAI_KEY,
    )
    return used


@pytest.fixture(scope="session")
def stack(
    stack_world: World,
    stripe_mock: str,
    model_server: ModelServer,
    stack_log: Path,
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
        AZORA_OPENAI_API_KEY=OPENAI_KEY,
        # A line per request too: the secrets check reads them with the rest.
        AZORA_LOG_ACCESS="true",
    )
    # Generous: nine processes start at once, on a machine that may be busy.
    process = start_stack(env, stack_log, timeout=240)
    try:
        os.environ["AZORA_TEST_METRICS_PORT_BASE"] = str(metrics_base)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_stack(process, timeout=30)


@pytest.fixture
async def http(stack: str, used_secrets: UsedSecrets) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the running stack; the secrets it sends and gets are remembered."""
    async with httpx.AsyncClient(
        base_url=stack, timeout=40, event_hooks=used_secrets.hooks()
    ) as client:
        yield client
