"""What a person does in the portal, step by step, as the browser tests say it."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.e2e.helpers import PASSWORD, an_email

SETTLED = re.compile(r"^(succeeded|rejected|refused)$")


async def settled(page: Page, label: str) -> str:
    """Wait until the command `label` settles on the page; its state and words."""
    status = page.get_by_test_id(f"command-{label}")
    await expect(status).to_have_attribute("data-command-state", SETTLED)
    state = await status.get_attribute("data-command-state")
    return f"{state}: {await status.inner_text()}"


async def register(page: Page, portal: str, name: str = "Grace") -> str:
    """Create an account in the portal; its email."""
    email = an_email()
    await page.goto(f"{portal}#/register")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_label("Display name").fill(name)
    await page.get_by_role("button", name="Create account").click()
    assert (await settled(page, "Registration")).startswith("succeeded")
    return email


async def sign_in(page: Page, email: str, name: str = "Grace") -> None:
    """Sign in from the link the registration leaves (the email is filled in already)."""
    await page.get_by_role("link", name="Sign in").first.click()
    # The registration page has an Email field holding the same address, and a Password
    # field: until the sign-in page has replaced it, a fill would land there and be lost.
    await expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    await expect(page.get_by_label("Email")).to_have_value(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()


async def open_course(page: Page, portal: str, title: str) -> None:
    """Find a course by searching its title, and open it."""
    await page.goto(f"{portal}#/courses")
    await page.get_by_label("Search courses").fill(title)
    await page.get_by_role("button", name="Search").click()
    await page.get_by_role("link", name=title).click()
    await expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()


async def progress(page: Page) -> str:
    """The course progress the page shows, as a person reads it."""
    return await page.get_by_test_id("progress-percent").inner_text()
