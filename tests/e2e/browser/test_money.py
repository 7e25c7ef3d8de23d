"""Money in the browser: a card top-up settled by Stripe's (signed) webhook pays for a
course bought from the wallet; a refused purchase says why."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.e2e.browser.catalogue import Catalogue
from tests.e2e.browser.journeys import register, settled, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


async def test_a_card_top_up_pays_for_a_course_bought_from_the_wallet(
    page: Page, portal: str, catalogue: Catalogue
) -> None:
    course = await a_course_and_a_learner_signed_in(page, portal, catalogue, price_minor=3000)

    await page.goto(f"{portal}#/wallet")
    await expect(page.get_by_test_id("balance")).to_have_text("€0.00")
    top_up = page.locator("form", has=page.get_by_role("heading", name="Top up"))
    await top_up.get_by_label("Amount (EUR)").fill("30")
    await top_up.get_by_role("button", name="Top up by card").click()
    assert (await settled(page, "Top-up")).startswith("succeeded")
    payment = top_up.get_by_role("region", name="Card payment")
    await expect(payment).to_contain_text("requires payment method")
    await expect(payment.locator("code")).to_have_text(re.compile(r"^pi_"))
    await payment.get_by_role("button", name="Pay with test card").click()
    await expect(payment).to_contain_text("Payment: succeeded")
    await expect(page.get_by_test_id("balance")).to_have_text("€30.00")
    await expect(page.get_by_role("cell", name="Top-up")).to_be_visible()

    await page.goto(course)
    await page.get_by_role("button", name="Buy with wallet (€30.00)").click()
    assert (await settled(page, "Enrolment")).startswith("succeeded")
    await expect(page.get_by_test_id("progress-percent")).to_have_text("0% complete")

    await page.goto(f"{portal}#/wallet")
    await expect(page.get_by_test_id("balance")).to_have_text("€0.00")
    await expect(page.get_by_role("cell", name="Course purchase")).to_be_visible()


async def test_buying_with_an_empty_wallet_is_rejected_and_the_page_says_why(
    page: Page, portal: str, catalogue: Catalogue
) -> None:
    course = await a_course_and_a_learner_signed_in(page, portal, catalogue, price_minor=2500)

    await page.goto(course)
    await page.get_by_role("button", name="Buy with wallet (€25.00)").click()

    outcome = await settled(page, "Enrolment")
    assert outcome.startswith("rejected"), outcome
    assert "insufficient funds" in outcome
    await expect(page.get_by_role("button", name="Buy with wallet (€25.00)")).to_be_enabled()


async def test_a_card_checkout_declined_then_canceled_rejects_the_enrolment_with_the_reason(
    page: Page, portal: str, catalogue: Catalogue
) -> None:
    course = await a_course_and_a_learner_signed_in(page, portal, catalogue, price_minor=1200)

    await page.goto(course)
    await page.get_by_role("button", name="Pay by card (€12.00)").click()
    status = page.get_by_test_id("command-Enrolment")
    await expect(status).to_have_attribute("data-command-state", "pending")
    payment = page.get_by_role("region", name="Card payment")
    await payment.get_by_role("button", name="Decline the card").click()
    await expect(payment).to_contain_text("Your card was declined.")
    # A declined card is not the end of a checkout: the enrolment still waits.
    await expect(status).to_have_attribute("data-command-state", "pending")
    await payment.get_by_role("button", name="Cancel the payment").click()

    outcome = await settled(page, "Enrolment")
    assert outcome.startswith("rejected"), outcome
    assert "payment failed" in outcome
    await expect(payment).to_contain_text("Payment: failed")


async def a_course_and_a_learner_signed_in(
    page: Page, portal: str, catalogue: Catalogue, *, price_minor: int
) -> str:
    """Publish a course at this price, register a new learner and sign them in: the
    address of the course's page."""
    course_id = await catalogue.publish(price_minor=price_minor)
    email = await register(page, portal)
    await sign_in(page, email)
    return f"{portal}#/courses/{course_id}"
