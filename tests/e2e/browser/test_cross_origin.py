"""The portal as a frontend team would host it: on its own origin, calling the API
across origins, allowed by the API's CORS settings (and only then)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, Response, expect

from tests.e2e.browser.catalogue import Catalogue
from tests.e2e.browser.journeys import register, settled, sign_in
from tests.support.portal import StaticOrigin
from tests.support.processes import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


async def test_the_portal_on_another_origin_enrols_through_cors(
    page: Page,
    second_origin: str,
    stack: str,
    catalogue: Catalogue,
) -> None:
    course_id = await catalogue.publish(price_minor=0)
    allowed: list[str | None] = []

    async def note_api_answer(response: Response) -> None:
        if response.url.startswith(f"{stack}/v1/"):
            allowed.append(await response.header_value("access-control-allow-origin"))

    page.on("response", note_api_answer)
    email = await register(page, second_origin)
    await sign_in(page, email)
    await page.goto(f"{second_origin}#/courses/{course_id}")
    await page.get_by_role("button", name="Enrol for free").click()

    assert (await settled(page, "Enrolment")).startswith("succeeded")
    await expect(page.get_by_test_id("progress-percent")).to_have_text("0% complete")
    assert page.url.startswith(second_origin)
    # Every answer the page read came from the API's origin, labelled for the page's.
    assert allowed
    assert set(allowed) == {second_origin.rstrip("/")}


async def test_an_origin_the_api_does_not_allow_cannot_read_it(page: Page, stack: str) -> None:
    with StaticOrigin(free_port(), {"apiBase": stack, "devPayments": False}) as stranger:
        await page.goto(f"{stranger.origin}/#/courses")

        await expect(page.get_by_role("alert")).to_contain_text("Failed to fetch")
        await expect(page.locator(".course-card")).to_have_count(0)
