"""A real Chromium on the portal, against the e2e stack (which serves it at /portal/)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.browser.catalogue import Catalogue
from tests.e2e.helpers import an_email, grant, outcome, register, until
from tests.support.portal import StaticOrigin, chromium, require_build
from tests.support.world import World

# Commands settle through Kafka and the projections: generous, and only ever an upper
# bound (every wait is on something the page shows).
expect.set_options(timeout=60_000)


@pytest.fixture(scope="session")
async def catalogue(stack: str, stack_world: World, db: asyncpg.Pool) -> Catalogue:
    email = an_email()
    async with httpx.AsyncClient(base_url=stack, timeout=40) as http:
        accepted = await register(http, email)
        assert (await outcome(http, accepted))["status"] == "succeeded"
        user_id = accepted.json()["user_id"]
    grant(stack_world, user_id, "instructor", timeout=240)  # once; the CLI starts slowly

    async def has_role() -> bool:
        roles = await db.fetchval(
            "SELECT roles FROM read.users WHERE user_id = $1", uuid.UUID(user_id)
        )
        return "instructor" in (roles or [])

    assert await until(has_role, timeout=60)
    return Catalogue(stack, email)


DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    require_build()
    async with chromium() as launched:
        yield launched


@pytest.fixture
def portal(stack: str) -> str:
    """The portal as the ingress serves it."""
    return f"{stack}/portal/"


@pytest.fixture(scope="session")
def second_origin(stack: str, portal_origin: str) -> Iterator[str]:
    """The same build on another origin, told where the API is; CORS allows this one."""
    port = int(portal_origin.rsplit(":", 1)[1])
    with StaticOrigin(port, {"apiBase": stack, "devPayments": True}) as served:
        yield f"{served.origin}/"


async def _page(browser: Browser, viewport: dict[str, int]) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = await context.new_page()
    try:
        yield page
    finally:
        await context.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh browser profile (no tokens, no storage) at desktop width."""
    async for opened in _page(browser, DESKTOP):
        yield opened


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[Page]:
    """A fresh browser profile at a phone's width (360 CSS pixels)."""
    async for opened in _page(browser, PHONE):
        yield opened
