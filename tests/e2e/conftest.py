"""The whole stack as `azora run` starts it, in a private topic namespace, over real HTTP.

Identity, the wallet and payments keep their state on a second Postgres cluster, each in a
database of its own, as a deployment with a database per service does; everything else is
on the repo's own cluster. So every journey crosses services that share no database.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from azora.settings import Settings
from bench.databases import fresh_database
from tests.support.model_server import ModelServer
from tests.support.oidc_provider import MockProvider
from tests.support.portal import PORTAL_DIST
from tests.support.processes import free_port
from tests.support.second_postgres import answers, second_cluster, second_cluster_port
from tests.support.stack import stack_env, stack_ports, start_stack, stop_stack
from tests.support.used_secrets import (
    API_KEY,
    DEPLOYMENT_KEY,
    PASSWORD,
    WEBHOOK_SECRET,
    UsedSecrets,
)
from tests.support.world import World, created, new_world

# The services whose databases are on the second cluster, and the schema each gets there.
ON_THE_SECOND_CLUSTER = {"identity": "identity", "wallet": "wallet", "payments": "payments"}
# The OpenAI key the stack is given (the model server in the tests takes any).
OPENAI_KEY = "test-key-of-the-e2e-run"
# The stack's OpenID Connect provider (a real one, mock-oauth2-server): its name in the
# API, the button's words, and the client the stack is registered as there.
OIDC_PROVIDER = "mock"
OIDC_DISPLAY_NAME = "Mock ID"
OIDC_CLIENT_ID = "azora-portal"
OIDC_CLIENT_SECRET = secrets.token_urlsafe(24)


@pytest.fixture(scope="session")
async def stack_world(base_settings: Settings) -> AsyncIterator[World]:
    """Topics of the e2e stack's own."""
    async with created(new_world(base_settings)) as world:
        yield world


@pytest.fixture(scope="session")
async def service_databases() -> AsyncIterator[dict[str, str]]:
    """A database per service of ON_THE_SECOND_CLUSTER, on the second cluster: its URL by
    service. AZORA_E2E_SECOND_DATABASE_URL names a server to use instead of starting one."""
    given = os.environ.get("AZORA_E2E_SECOND_DATABASE_URL")
    with contextlib.ExitStack() as cluster:
        admin = given or cluster.enter_context(second_cluster(second_cluster_port()))
        if not await answers(admin):
            pytest.fail(f"no Postgres answers at {admin} (is another cluster on its port?)")
        async with contextlib.AsyncExitStack() as databases:
            yield {
                service: await databases.enter_async_context(
                    fresh_database(admin, schemas=[schema], label=f"e2e_{service}_")
                )
                for service, schema in ON_THE_SECOND_CLUSTER.items()
            }


@pytest.fixture(scope="session")
def stack_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where every process of the e2e stack writes its log lines."""
    return tmp_path_factory.mktemp("stack") / "azora-run.log"


@pytest.fixture(scope="session")
def used_secrets(stack_world: World) -> UsedSecrets:
    """The secrets of the e2e run: the stack's own, and every one its HTTP traffic carried."""
    from tests.e2e import helpers

    used = UsedSecrets()
    settings = stack_world.settings
    used.add(
        settings.required_secret("secret_key"),
        settings.required_secret("payment_sealing_key"),
        kind=DEPLOYMENT_KEY,
    )
    used.add(settings.required_secret("stripe_webhook_secret"), kind=WEBHOOK_SECRET)
    used.add(helpers.PASSWORD, kind=PASSWORD)
    used.add(OPENAI_KEY, OIDC_CLIENT_SECRET, kind=API_KEY)
    return used


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockProvider]:
    """The provider the portal offers sign-in with (`make oidc-mock` fetches it)."""
    server = MockProvider(tmp_path_factory.mktemp("oidc") / "mock-oauth2-server.log").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def portal_origin() -> str:
    """The other origin the browser tests serve the portal from (CORS lets it call)."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="session")
def stack(
    stack_world: World,
    service_databases: dict[str, str],
    stripe_mock: str,
    model_server: ModelServer,
    stack_log: Path,
    portal_origin: str,
    oidc_provider: MockProvider,
) -> Iterator[str]:
    """`azora run` on a free port; yields its base URL once /readyz answers 200."""
    port, metrics_base, health_base = stack_ports()
    base = f"http://127.0.0.1:{port}"
    settings = stack_world.settings
    env = stack_env(
        settings,
        port=port,
        metrics_base=metrics_base,
        health_base=health_base,
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
        **{
            f"AZORA_{service.upper()}_DATABASE_URL": url
            for service, url in service_databases.items()
        },
        AZORA_OPENAI_API_KEY=OPENAI_KEY,
        # A line per request too: the secrets check reads them with the rest.
        AZORA_LOG_ACCESS="true",
        # The portal (tests/e2e/browser): served at /portal/ from its build, called from
        # a second origin too, and its card payments settled by the development control.
        AZORA_PORTAL_DIR=str(PORTAL_DIST),
        AZORA_CORS_ALLOW_ORIGINS=portal_origin,
        AZORA_DEV_PAYMENT_CONTROLS="true",
        # Sign-in with a provider, returning to the portal on either origin.
        **oidc_env(oidc_provider, base, return_urls=(f"{base}/portal/", f"{portal_origin}/")),
    )
    # Generous: nine processes start at once, on a machine that may be busy.
    process = start_stack(env, stack_log, timeout=240)
    try:
        os.environ["AZORA_TEST_METRICS_PORT_BASE"] = str(metrics_base)
        os.environ["AZORA_TEST_HEALTH_PORT_BASE"] = str(health_base)
        yield base
    finally:
        stop_stack(process, timeout=30)


def oidc_env(provider: MockProvider, base: str, return_urls: tuple[str, ...]) -> dict[str, str]:
    """The settings that register the stack with `provider` as OIDC_PROVIDER."""
    prefix = f"AZORA_OIDC_PROVIDERS__{OIDC_PROVIDER.upper()}__"
    return {
        f"{prefix}ISSUER": provider.issuer("azora-e2e"),
        f"{prefix}CLIENT_ID": OIDC_CLIENT_ID,
        f"{prefix}CLIENT_SECRET": OIDC_CLIENT_SECRET,
        f"{prefix}DISPLAY_NAME": OIDC_DISPLAY_NAME,
        "AZORA_OIDC_REDIRECT_BASE_URL": base,
        "AZORA_OIDC_RETURN_URLS": ",".join(return_urls),
    }


@pytest.fixture
async def http(stack: str, used_secrets: UsedSecrets) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the running stack; the secrets it sends and gets are remembered."""
    async with httpx.AsyncClient(
        base_url=stack, timeout=40, event_hooks=used_secrets.hooks()
    ) as client:
        yield client


@pytest.fixture(scope="session")
async def wallet_db(service_databases: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    """A pool on the wallet's own database, for assertions on its ledger."""
    pool = await asyncpg.create_pool(service_databases["wallet"], min_size=1, max_size=2)
    yield pool
    await pool.close()
