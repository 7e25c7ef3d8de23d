"""A real Chromium on the portal, against the e2e stack (which serves it at /portal/)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from playwright.async_api import Browser, Page, expect

from tests.support.portal import StaticOrigin, chromium, require_build

# Commands settle through Kafka and the projections: generous, and only ever an upper
# bound (every wait is on something the page shows).
expect.set_options(timeout=30_000)

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
