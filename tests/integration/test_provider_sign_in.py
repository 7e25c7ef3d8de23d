"""Sign-in with an OpenID Connect provider, end to end: a real provider (mock-oauth2-server,
started here), the real ingress process, identity and the projections on the real broker
and Postgres. A browser is played by following each redirect and filling in the provider's
login page; the claims typed there are what the provider signs."""

from __future__ import annotations

import os
import secrets
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pyotp
import pytest

from azora.settings import Settings
from consumers.identity.service import make_identity
from consumers.projections import projections_service
from stack import composition
from tests.support.oidc_provider import Browser, MockProvider, returned
from tests.support.processes import free_port, spawn
from tests.support.world import World, created, new_world, running

pytestmark = pytest.mark.integration

PROVIDER = "mock"
CLIENT_ID = "azora-portal"
RETURN_URL = "http://127.0.0.1:5173/signed-in"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockProvider]:
    server = MockProvider(tmp_path_factory.mktemp("oidc") / "mock-oauth2-server.log").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def oidc_world(base_settings: Settings) -> AsyncIterator[World]:
    async with created(new_world(base_settings)) as world:
        yield world


@pytest.fixture(scope="module")
async def services(oidc_world: World) -> AsyncIterator[None]:
    """Identity and the projections, as `azora consume` runs them."""
    identity = make_identity(
        composition.secret_box(oidc_world.settings),
        composition.personal_vault(oidc_world.settings),
    )
    async with running(
        oidc_world, identity, projections_service(composition.personal_vault(oidc_world.settings))
    ):
        yield


@pytest.fixture(scope="module")
def ingress(
    oidc_world: World, provider: MockProvider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The real ingress process with the mock provider configured as `mock`."""
    port = free_port()
    settings = oidc_world.settings
    base = f"http://127.0.0.1:{port}"
    prefix = f"AZORA_OIDC_PROVIDERS__{PROVIDER.upper()}__"
    env = {
        **os.environ,
        "AZORA_SECRET_KEY": settings.required_secret("secret_key"),
        "AZORA_STRIPE_WEBHOOK_SECRET": settings.required_secret("stripe_webhook_secret"),
        "AZORA_TOPIC_PREFIX": settings.topic_prefix,
        "AZORA_DATABASE_URL": settings.database_url,
        "AZORA_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        f"{prefix}ISSUER": provider.issuer("azora-test"),
        f"{prefix}CLIENT_ID": CLIENT_ID,
        f"{prefix}CLIENT_SECRET": secrets.token_urlsafe(24),
        f"{prefix}DISPLAY_NAME": "Mock ID",
        "AZORA_OIDC_REDIRECT_BASE_URL": base,
        "AZORA_OIDC_RETURN_URLS": RETURN_URL,
    }
    log = tmp_path_factory.mktemp("ingress") / "ingress.log"
    with log.open("wb") as sink:
        process = spawn([sys.executable, "-m", "stack", "ingress", "--port", str(port)], env, sink)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()[-2000:]
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
async def browser(ingress: str, services: None) -> AsyncIterator[Browser]:
    person = Browser(ingress)
    yield person
    await person.close()


def someone() -> tuple[str, dict[str, Any]]:
    """A new person at the provider: a subject and the claims of a verified email."""
    subject = f"person-{uuid.uuid4().hex[:12]}"
    return subject, {"email": f"{subject}@example.org", "email_verified": True, "name": "Ada"}


async def exchange(browser: Browser, code: str, **extra: str) -> httpx.Response:
    return await browser.http.post(
        f"{browser.ingress}/v1/auth/oidc/token", json={"code": code, **extra}
    )


async def me(browser: Browser, tokens: dict[str, Any]) -> dict[str, Any]:
    answer = await browser.http.get(
        f"{browser.ingress}/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_a_new_person_signs_in_with_the_provider_and_gets_an_account_and_tokens(
    browser: Browser,
) -> None:
    subject, claims = someone()

    back = await browser.sign_in(PROVIDER, subject, claims, return_to=RETURN_URL)
    answer = await exchange(browser, back.query["oidc_code"])

    assert back.url == RETURN_URL
    assert back.query["provider"] == PROVIDER
    assert answer.status_code == 200, answer.text
    profile = await me(browser, answer.json())
    assert profile["email"] == claims["email"]
    assert profile["display_name"] == "Ada"


async def test_signing_in_again_opens_the_same_account(browser: Browser) -> None:
    subject, claims = someone()
    first = await browser.sign_in(PROVIDER, subject, claims)
    first_tokens = (await exchange(browser, first.query["oidc_code"])).json()

    again = await browser.sign_in(PROVIDER, subject, claims)
    second = await exchange(browser, again.query["oidc_code"])

    assert second.status_code == 200, second.text
    assert (await me(browser, second.json()))["user_id"] == (await me(browser, first_tokens))[
        "user_id"
    ]


async def test_the_start_redirects_with_state_nonce_and_an_s256_pkce_challenge(
    browser: Browser, provider: MockProvider
) -> None:
    authorize = httpx.URL(await browser.start(PROVIDER))

    params = authorize.params
    assert str(authorize).startswith(provider.issuer("azora-test") + "/authorize")
    assert params["client_id"] == CLIENT_ID
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 43
    assert len(params["nonce"]) >= 43
    assert params["redirect_uri"] == f"{browser.ingress}/v1/auth/oidc/{PROVIDER}/callback"
    cookie = next(c for c in browser.http.cookies.jar if c.name.startswith("azora_oidc_"))
    assert cookie.path == "/v1/auth/oidc"
    assert cookie.has_nonstandard_attr("HttpOnly")


async def test_a_return_url_that_is_not_allow_listed_is_refused(browser: Browser) -> None:
    answer = await browser.http.get(
        f"{browser.ingress}/v1/auth/oidc/{PROVIDER}/start",
        params={"return_to": "https://attacker.example/steal"},
    )

    assert answer.status_code == 400
    assert answer.json()["type"] == "/problems/return_url_not_allowed"


async def test_a_tampered_state_is_refused(browser: Browser) -> None:
    subject, claims = someone()
    callback = httpx.URL(
        await browser.sign_in_at_provider(await browser.start(PROVIDER), subject, claims)
    )
    forged = callback.copy_set_param("state", callback.params["state"][:-2] + "xx")

    answer = await browser.come_back(str(forged))

    assert answer.status_code == 400
    assert answer.json()["type"] == "/problems/unknown_state"


async def test_a_callback_in_a_browser_that_did_not_start_the_sign_in_is_refused(
    browser: Browser, ingress: str
) -> None:
    subject, claims = someone()
    callback = await browser.sign_in_at_provider(await browser.start(PROVIDER), subject, claims)
    victim = Browser(ingress)  # login CSRF: someone else's callback URL, no flow cookie
    try:
        answer = await victim.come_back(callback)
    finally:
        await victim.close()

    assert answer.status_code == 400
    assert answer.json()["type"] == "/problems/unknown_state"


async def test_a_replayed_callback_is_refused(browser: Browser, ingress: str) -> None:
    subject, claims = someone()
    callback = await browser.sign_in_at_provider(await browser.start(PROVIDER), subject, claims)
    attacker = Browser(ingress)  # with a copy of the URL and of every cookie
    attacker.http.cookies = httpx.Cookies(browser.http.cookies)
    first = await browser.come_back(callback)
    try:
        replayed = await attacker.come_back(callback)
    finally:
        await attacker.close()

    assert first.status_code == 302
    assert replayed.status_code == 400
    assert replayed.json()["type"] == "/problems/state_used"


async def test_a_sign_in_code_works_once(browser: Browser) -> None:
    subject, claims = someone()
    back = await browser.sign_in(PROVIDER, subject, claims)

    first = await exchange(browser, back.query["oidc_code"])
    second = await exchange(browser, back.query["oidc_code"])

    assert first.status_code == 200, first.text
    assert second.status_code == 400
    assert "used already" in second.json()["detail"]


async def test_an_id_token_with_another_nonce_is_refused(browser: Browser) -> None:
    subject, claims = someone()
    authorize = httpx.URL(await browser.start(PROVIDER))
    # The provider is asked for another nonce than the one this sign-in keeps.
    tampered = authorize.copy_set_param("nonce", "a-nonce-this-sign-in-never-sent")
    callback = await browser.sign_in_at_provider(str(tampered), subject, claims)

    answer = await browser.come_back(callback)

    assert answer.status_code == 401
    assert answer.json()["type"] == "/problems/wrong_nonce"


@pytest.mark.parametrize(
    ("signed", "refusal"),
    [
        ({"aud": "another-client"}, "wrong_audience"),
        ({"iss": "https://another-issuer.example"}, "wrong_issuer"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "id_token_expired"),
    ],
    ids=["another audience", "another issuer", "expired"],
)
async def test_an_id_token_the_provider_signed_for_someone_else_or_too_long_ago_is_refused(
    browser: Browser, signed: dict[str, Any], refusal: str
) -> None:
    subject, claims = someone()
    callback = await browser.sign_in_at_provider(
        await browser.start(PROVIDER), subject, {**claims, **signed}
    )

    answer = await browser.come_back(callback)

    assert answer.status_code == 401
    assert answer.json()["type"] == f"/problems/{refusal}"


PASSWORD = "a sturdy passphrase for tests 42"


async def settled(browser: Browser, accepted: httpx.Response) -> dict[str, Any]:
    """The outcome of the command a 202 accepted, once it settles."""
    assert accepted.status_code == 202, accepted.text
    answer = await browser.http.get(
        f"{browser.ingress}{accepted.json()['status_url']}", params={"wait": 20}
    )
    body: dict[str, Any] = answer.json()
    return body


async def registered(browser: Browser, email: str) -> dict[str, Any]:
    """Register `email` with a password, sign in, and answer the tokens."""
    signed_up = await browser.http.post(
        f"{browser.ingress}/v1/auth/register",
        json={"email": email, "password": PASSWORD, "display_name": "Grace"},
    )
    assert (await settled(browser, signed_up))["status"] == "succeeded"
    login = await browser.http.post(
        f"{browser.ingress}/v1/auth/login", json={"email": email, "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    tokens: dict[str, Any] = login.json()
    return tokens


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def ticket(browser: Browser, tokens: dict[str, Any], **body: str) -> httpx.Response:
    return await browser.http.post(
        f"{browser.ingress}/v1/auth/oidc/{PROVIDER}/tickets", json=body, headers=bearer(tokens)
    )


async def test_a_verified_email_of_a_password_account_is_refused_with_how_to_link_it(
    browser: Browser,
) -> None:
    subject, claims = someone()
    await registered(browser, claims["email"])

    back = await browser.sign_in(PROVIDER, subject, claims)
    answer = await exchange(browser, back.query["oidc_code"])

    assert answer.status_code == 403
    assert answer.json()["type"] == "/problems/provider_sign_in_refused"
    assert "sign in with your password, then link mock" in answer.json()["detail"]


async def test_an_email_the_provider_has_not_verified_gets_no_account(browser: Browser) -> None:
    subject, claims = someone()

    back = await browser.sign_in(PROVIDER, subject, {**claims, "email_verified": False})
    answer = await exchange(browser, back.query["oidc_code"])

    assert answer.status_code == 403
    assert "has not verified this email" in answer.json()["detail"]


async def test_the_owner_of_a_password_account_links_the_provider_and_then_signs_in_with_it(
    browser: Browser,
) -> None:
    subject, claims = someone()
    tokens = await registered(browser, claims["email"])
    owner = (await me(browser, tokens))["user_id"]

    started = await ticket(browser, tokens, purpose="link", password=PASSWORD)
    linked = await browser.sign_in(PROVIDER, subject, claims, ticket=started.json()["ticket"])
    after_link = await exchange(browser, linked.query["oidc_code"])
    later = await browser.sign_in(PROVIDER, subject, claims)
    signed_in = await exchange(browser, later.query["oidc_code"])

    assert started.status_code == 200, started.text
    assert after_link.status_code == 200, after_link.text
    assert signed_in.status_code == 200, signed_in.text
    assert (await me(browser, signed_in.json()))["user_id"] == owner


async def test_linking_a_provider_needs_the_password_not_just_an_access_token(
    browser: Browser,
) -> None:
    _, claims = someone()
    tokens = await registered(browser, claims["email"])

    without = await ticket(browser, tokens, purpose="link")
    wrong = await ticket(browser, tokens, purpose="link", password="not the password at all")

    assert without.status_code == 403
    assert wrong.status_code == 403
    assert wrong.json()["type"] == "/problems/reauthentication_failed"


async def signed_up_with_provider(
    browser: Browser, subject: str, claims: dict[str, Any]
) -> dict[str, Any]:
    back = await browser.sign_in(PROVIDER, subject, claims)
    answer = await exchange(browser, back.query["oidc_code"])
    assert answer.status_code == 200, answer.text
    tokens: dict[str, Any] = answer.json()
    return tokens


async def reauthenticated(
    browser: Browser, tokens: dict[str, Any], subject: str, claims: dict[str, Any]
) -> httpx.Response:
    """A fresh round-trip with the provider (it says when the person signed in: now)."""
    started = await ticket(browser, tokens, purpose="reauthenticate")
    authorize = await browser.start(PROVIDER, ticket=started.json()["ticket"])
    callback = await browser.sign_in_at_provider(authorize, subject, claims)
    return await browser.come_back(callback)


async def test_an_account_without_a_password_turns_mfa_off_after_a_fresh_provider_sign_in(
    browser: Browser,
) -> None:
    subject, claims = someone()
    tokens = await signed_up_with_provider(browser, subject, claims)
    setup = await browser.http.post(
        f"{browser.ingress}/v1/auth/mfa/setup", json={}, headers=bearer(tokens)
    )
    totp = pyotp.TOTP(setup.json()["secret"])
    enabled = await browser.http.post(
        f"{browser.ingress}/v1/auth/mfa/verify", json={"code": totp.now()}, headers=bearer(tokens)
    )
    recovery_codes = enabled.json()["recovery_codes"]
    assert (await settled(browser, enabled))["status"] == "succeeded"

    back = await reauthenticated(
        browser, tokens, subject, {**claims, "auth_time": int(time.time())}
    )
    code = returned(back.headers["location"]).query["reauthentication_code"]
    proof = await browser.http.post(
        f"{browser.ingress}/v1/auth/oidc/reauthentication",
        json={"code": code},
        headers=bearer(tokens),
    )
    disabled = await browser.http.post(
        f"{browser.ingress}/v1/auth/mfa/disable",
        json={
            "reauthentication_token": proof.json()["reauthentication_token"],
            "recovery_code": recovery_codes[0],
        },
        headers=bearer(tokens),
    )

    assert back.status_code == 302, back.text
    assert proof.status_code == 200, proof.text
    assert (await settled(browser, disabled))["status"] == "succeeded"
    assert (await me(browser, tokens))["mfa_enabled"] is False


async def test_a_reauthentication_asks_the_provider_for_a_fresh_login(browser: Browser) -> None:
    subject, claims = someone()
    tokens = await signed_up_with_provider(browser, subject, claims)
    started = await ticket(browser, tokens, purpose="reauthenticate")

    authorize = httpx.URL(await browser.start(PROVIDER, ticket=started.json()["ticket"]))

    assert authorize.params["prompt"] == "login"
    assert authorize.params["max_age"] == "0"


async def test_a_reauthentication_the_provider_does_not_call_fresh_is_refused(
    browser: Browser,
) -> None:
    subject, claims = someone()
    tokens = await signed_up_with_provider(browser, subject, claims)

    no_time = await reauthenticated(browser, tokens, subject, claims)
    stale = await reauthenticated(
        browser, tokens, subject, {**claims, "auth_time": int(time.time()) - 3600}
    )

    assert no_time.status_code == 401
    assert stale.status_code == 401
    assert stale.json()["type"] == "/problems/not_fresh"


async def test_a_reauthentication_as_another_provider_account_is_refused(
    browser: Browser,
) -> None:
    subject, claims = someone()
    tokens = await signed_up_with_provider(browser, subject, claims)
    other, other_claims = someone()

    answer = await reauthenticated(
        browser, tokens, other, {**other_claims, "auth_time": int(time.time())}
    )

    assert answer.status_code == 403
    assert answer.json()["type"] == "/problems/other_identity"


async def test_a_provider_sign_in_of_an_account_with_mfa_needs_its_code(browser: Browser) -> None:
    subject, claims = someone()
    tokens = await signed_up_with_provider(browser, subject, claims)
    setup = await browser.http.post(
        f"{browser.ingress}/v1/auth/mfa/setup", json={}, headers=bearer(tokens)
    )
    totp = pyotp.TOTP(setup.json()["secret"])
    enabled = await browser.http.post(
        f"{browser.ingress}/v1/auth/mfa/verify", json={"code": totp.now()}, headers=bearer(tokens)
    )
    assert (await settled(browser, enabled))["status"] == "succeeded"

    back = await browser.sign_in(PROVIDER, subject, claims)
    without = await exchange(browser, back.query["oidc_code"])
    with_code = await exchange(
        browser, back.query["oidc_code"], recovery_code=enabled.json()["recovery_codes"][0]
    )

    assert without.status_code == 401
    assert without.json()["type"] == "/problems/mfa_required"
    assert with_code.status_code == 200, with_code.text


async def test_a_provider_email_a_registration_would_refuse_is_refused_at_the_callback(
    browser: Browser,
) -> None:
    subject, claims = someone()
    callback = await browser.sign_in_at_provider(
        await browser.start(PROVIDER), subject, {**claims, "email": "ada\u0000@example.org"}
    )

    answer = await browser.come_back(callback)

    assert answer.status_code == 400
    assert answer.json()["type"] == "/problems/email_invalid"


async def test_control_characters_in_the_providers_name_do_not_reach_the_profile(
    browser: Browser,
) -> None:
    subject, claims = someone()

    tokens = await signed_up_with_provider(browser, subject, {**claims, "name": "Ada\u0000\n"})

    assert (await me(browser, tokens))["display_name"] == "Ada"
