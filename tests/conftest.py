"""Fixtures shared by the integration and e2e suites: the real Kafka and Postgres."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from azora import migrate
from azora.settings import Settings
from bench.databases import fresh_database
from tests.support.model_server import ModelServer
from tests.support.secrets import random_sealing_key, random_secret_key, random_webhook_secret
from tests.support.world import World, created, new_world


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `last` run after all the others (in their own order)."""
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    """Settings from the environment (the Makefile points them at the repo's own services)."""
    settings = Settings(
        env="test",
        secret_key=random_secret_key(),
        stripe_webhook_secret=random_webhook_secret(),
        payment_sealing_key=random_sealing_key(),
        # Tests kill consumers on purpose: let the group notice within seconds.
        consumer_session_timeout_ms=6_000,
        consumer_heartbeat_ms=1_000,
        retry_backoff_initial_s=0.05,
        retry_backoff_max_s=1.0,
    )
    migrate.upgrade(settings.database_url)
    return settings


@pytest.fixture
async def world(base_settings: Settings) -> AsyncIterator[World]:
    """A private set of topics for one test."""
    async with created(new_world(base_settings)) as fresh:
        yield fresh


@pytest.fixture
async def private_world(base_settings: Settings) -> AsyncIterator[World]:
    """Topics and a database of its own, for tests that need the database to themselves:
    a projection swap replaces tables every test shares, and one outbox relay leads per
    database (a trace through the relay must go through this test's)."""
    async with (
        fresh_database(base_settings.database_url) as url,
        created(new_world(base_settings, database_url=url)) as world,
    ):
        yield world


@pytest.fixture(scope="session")
async def db(base_settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    """A pool on the test database, for assertions."""
    pool = await asyncpg.create_pool(base_settings.database_url, min_size=1, max_size=4)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
def stripe_mock() -> str:
    """stripe-mock's URL: installed with `go install` and started if need be."""
    script = Path(__file__).parents[1] / "infra" / "stripe" / "stripe-mock.sh"
    subprocess.run([str(script), "start"], check=True, stdout=subprocess.DEVNULL)
    url = subprocess.run([str(script), "url"], check=True, capture_output=True, text=True)
    return url.stdout.strip()


@pytest.fixture(scope="session")
def model_server() -> Iterator[ModelServer]:
    """The OpenAI-compatible server the stack's tutor talks to."""
    server = ModelServer().start()
    yield server
    server.stop()
