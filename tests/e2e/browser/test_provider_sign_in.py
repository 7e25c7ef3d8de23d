"""Sign-in with an OpenID Connect provider in the browser: the portal's button, the real
provider's login page (mock-oauth2-server, where a person types who they are), and back to
the portal signed in, on the ingress's origin and on another one through CORS."""

from __future__ import annotations

import json
import uuid

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import OIDC_DISPLAY_NAME
from tests.e2e.helpers import an_email

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


async def sign_in_at_the_provider(page: Page, start_at: str, name: str) -> None:
    """From the portal's sign-in page, through the provider's login page, and back."""
    await page.goto(f"{start_at}#/sign-in")
    await page.get_by_role("link", name=f"Sign in with {OIDC_DISPLAY_NAME}").click()
    # The provider's own page: a subject and the claims it will sign.
    subject = f"person-{uuid.uuid4().hex[:12]}"
    claims = {"email": an_email(), "email_verified": True, "name": name}
    await page.locator("input[name=username]").fill(subject)
    await page.locator("textarea[name=claims]").fill(json.dumps(claims))
    await page.get_by_role("button", name="Sign-in").click()


async def test_a_new_person_signs_in_with_the_provider_from_the_portal(
    page: Page, portal: str
) -> None:
    await sign_in_at_the_provider(page, portal, "Ada Provider")

    await expect(page.get_by_text("Signed in as Ada Provider")).to_be_visible()
    # The one-time code is spent and gone from the address bar.
    assert "oidc_code" not in page.url
    await page.get_by_role("link", name="Account").click()
    await expect(page.get_by_test_id("mfa-state")).to_have_text("Off")


async def test_the_portal_on_another_origin_signs_in_with_the_provider_through_cors(
    page: Page, second_origin: str
) -> None:
    await sign_in_at_the_provider(page, second_origin, "Lin Elsewhere")

    await expect(page.get_by_text("Signed in as Lin Elsewhere")).to_be_visible()
    assert page.url.startswith(second_origin)
