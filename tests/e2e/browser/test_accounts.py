"""Accounts in the browser: two-factor authentication set up from a QR code and used to
sign in; the page usable by keyboard and at a phone's width."""

from __future__ import annotations

import pyotp
import pytest
from playwright.async_api import Page, expect

from tests.e2e.browser.catalogue import Catalogue
from tests.e2e.browser.journeys import register, settled, sign_in
from tests.e2e.helpers import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


async def test_with_mfa_on_signing_in_asks_for_a_code_from_the_authenticator(
    page: Page, portal: str
) -> None:
    email = await register(page, portal)
    await sign_in(page, email)
    await page.get_by_role("link", name="Account").click()
    await page.get_by_role("button", name="Set up").click()

    qr = page.get_by_role("img", name="QR code to add Azora to an authenticator app")
    await expect(qr).to_be_visible()
    assert (await qr.evaluate("img => img.naturalWidth")) > 0
    totp = pyotp.TOTP(await page.get_by_test_id("mfa-secret").inner_text())
    await page.get_by_label("Code from your authenticator app").fill(totp.now())
    await page.get_by_role("button", name="Turn on").click()
    assert (await settled(page, "Two-factor authentication")).startswith("succeeded")
    await expect(page.get_by_role("region", name="Recovery codes").locator("li")).to_have_count(10)
    await expect(page.get_by_test_id("mfa-state")).to_have_text("On")

    await page.get_by_role("button", name="Sign out").click()
    # Not before the sign-in page is up: a fill would land in the page it replaces.
    await expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    code = page.get_by_label("Code from your authenticator app")
    await expect(code).to_be_focused()
    await code.fill("000000" if totp.now() != "000000" else "111111")
    await page.get_by_role("button", name="Verify and sign in").click()
    await expect(page.get_by_role("alert")).to_contain_text("Invalid MFA code")
    await code.fill(totp.now())
    await page.get_by_role("button", name="Verify and sign in").click()
    await expect(page.get_by_text("Signed in as Grace")).to_be_visible()


async def test_every_control_has_a_label_and_the_keyboard_focus_is_visible(
    page: Page, portal: str
) -> None:
    email = await register(page, portal)
    await sign_in(page, email)
    for route in ("#/courses", "#/wallet", "#/security", "#/paths", "#/sign-in"):
        await page.goto(f"{portal}{route}")
        await expect(page.locator("h1")).to_be_focused()
        unlabelled = await page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea')]
                 .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label'))
                 .map((el) => el.outerHTML)"""
        )
        assert unlabelled == [], f"{route}: {unlabelled}"

    await page.goto(f"{portal}#/wallet")
    await page.keyboard.press("Tab")
    outline = await page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), (
        f"focused {await page.evaluate('document.activeElement.outerHTML')}"
    )


async def test_at_a_phone_width_nothing_needs_scrolling_sideways(
    phone: Page, portal: str, catalogue: Catalogue
) -> None:
    course_id = await catalogue.publish(price_minor=900)
    email = await register(phone, portal)
    await sign_in(phone, email)
    for route in ("#/courses", f"#/courses/{course_id}", "#/wallet", "#/security", "#/paths"):
        await phone.goto(f"{portal}{route}")
        await expect(phone.locator("h1")).to_be_visible()
        width = await phone.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, f"{route} is {width}px wide at a 360px viewport"
    await phone.goto(f"{portal}#/courses/{course_id}")
    await phone.get_by_role("button", name="Buy with wallet (€9.00)").click()
    assert "insufficient funds" in await settled(phone, "Enrolment")
