"""Learning in the browser: register, sign in, enrol in a free course, finish it."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.browser.catalogue import Catalogue
from tests.e2e.browser.journeys import open_course, register, settled, sign_in
from tests.e2e.helpers import a_course

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


async def test_a_new_learner_finishes_a_free_course_and_sees_100_percent(
    page: Page, portal: str, http: httpx.AsyncClient, catalogue: Catalogue
) -> None:
    course_id = await catalogue.publish(price_minor=0)
    course = (await http.get(f"/v1/courses/{course_id}")).json()
    lessons = [lesson for module in course["modules"] for lesson in module["lessons"]]
    # The outline is public; the text is what the instructor wrote (only the enrolled see it).
    written = {
        lesson["title"]: lesson["content"]
        for module in a_course("")["modules"]
        for lesson in module["lessons"]
    }

    email = await register(page, portal)
    await sign_in(page, email)
    await open_course(page, portal, course["title"])
    await page.get_by_role("button", name="Enrol for free").click()
    assert (await settled(page, "Enrolment")).startswith("succeeded")
    await expect(page.get_by_test_id("progress-percent")).to_have_text("0% complete")

    await page.get_by_role("link", name=lessons[0]["title"]).click()
    for at, lesson in enumerate(lessons):
        await expect(page.get_by_role("heading", level=1, name=lesson["title"])).to_be_visible()
        await expect(page.get_by_text(written[lesson["title"]])).to_be_visible()
        await page.get_by_role("button", name="Mark as done").click()
        assert (await settled(page, "Lesson completion")).startswith("succeeded")
        await expect(page.get_by_role("button", name="Done ✓")).to_be_disabled()
        if at + 1 < len(lessons):
            await page.get_by_role("link", name=f"{lessons[at + 1]['title']} →").click()

    await expect(page.get_by_test_id("progress-percent")).to_have_text("100% complete")
    await expect(page.get_by_role("progressbar", name="Course progress")).to_have_attribute(
        "aria-valuenow", "100"
    )
    await page.get_by_role("link", name=f"← {course['title']}").click()
    await expect(page.get_by_test_id("progress-percent")).to_have_text("100% complete")
    await expect(page.get_by_text("✓ done")).to_have_count(len(lessons))


async def test_a_lesson_is_answered_by_the_tutor_in_the_page(
    page: Page, portal: str, http: httpx.AsyncClient, catalogue: Catalogue
) -> None:
    course_id = await catalogue.publish(price_minor=0)
    course = (await http.get(f"/v1/courses/{course_id}")).json()
    first = course["modules"][0]["lessons"][0]
    email = await register(page, portal)
    await sign_in(page, email)
    await page.goto(f"{portal}#/courses/{course_id}")
    await page.get_by_role("button", name="Enrol for free").click()
    assert (await settled(page, "Enrolment")).startswith("succeeded")

    await page.get_by_role("link", name=first["title"]).click()
    await page.get_by_label("Your question").fill("Why does a log keep its order?")
    await page.get_by_role("button", name="Ask").click()

    assert (await settled(page, "Question")).startswith("succeeded")
    answer = page.locator(".conversation .answer").last
    await expect(answer).not_to_contain_text("thinking…")
    await expect(answer).not_to_contain_text("no answer")
