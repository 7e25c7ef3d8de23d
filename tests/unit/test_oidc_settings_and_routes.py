"""Provider sign-in is configured from the environment (secrets included, never the source),
refuses an incomplete configuration at start, and answers clearly when it is off or asked
for a provider it does not have."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from azora.settings import Settings
from producers.ingress.oidc.registry import OidcSignIn
from schemas import api
from stack.client import calls
from tests.support.ingress_app import RecordingTransport, in_memory_app, in_memory_client
from tests.support.secrets import random_secret_key

SECRET = random_secret_key()
PROVIDER = {"issuer": "https://accounts.example.org", "client_id": "c", "client_secret": "x" * 8}
COMPLETE: dict[str, Any] = {
    "oidc_providers": {"google": PROVIDER},
    "oidc_redirect_base_url": "https://api.example.org",
    "oidc_return_urls": "https://app.example.org/signed-in, https://app.example.org/linked",
}


def test_providers_are_read_from_nested_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AZORA_OIDC_PROVIDERS__GOOGLE__ISSUER", "https://accounts.example.org")
    monkeypatch.setenv("AZORA_OIDC_PROVIDERS__GOOGLE__CLIENT_ID", "client-1")
    monkeypatch.setenv("AZORA_OIDC_PROVIDERS__GOOGLE__CLIENT_SECRET", "from-the-secret-store")
    monkeypatch.setenv("AZORA_OIDC_REDIRECT_BASE_URL", "https://api.example.org")
    monkeypatch.setenv("AZORA_OIDC_RETURN_URLS", "https://app.example.org/signed-in")

    settings = Settings(env="test")

    google = settings.oidc_providers["google"]
    assert (google.issuer, google.client_id) == ("https://accounts.example.org", "client-1")
    assert google.client_secret.get_secret_value() == "from-the-secret-store"
    assert "from-the-secret-store" not in repr(settings)
    assert settings.oidc_return_urls == ("https://app.example.org/signed-in",)


def test_sign_in_with_providers_is_off_by_default() -> None:
    assert Settings(env="test").oidc_providers == {}


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"oidc_redirect_base_url": None}, "AZORA_OIDC_REDIRECT_BASE_URL"),
        ({"oidc_return_urls": ""}, "AZORA_OIDC_RETURN_URLS"),
        ({"oidc_return_urls": "https://app.example.org/#/done"}, "without a fragment"),
        ({"oidc_providers": {"Google!": PROVIDER}}, "lower case"),
        ({"oidc_providers": {"google": {**PROVIDER, "client_secret": None}}}, "client_secret"),
        ({"oidc_providers": {"google": {**PROVIDER, "scopes": "profile email"}}}, "openid"),
    ],
    ids=[
        "no redirect base",
        "no return URL",
        "a fragment",
        "a bad name",
        "no client secret",
        "no openid scope",
    ],
)
def test_an_incomplete_provider_configuration_is_refused_at_start(
    changes: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(ValidationError, match=complaint):
        Settings(env="test", **{**COMPLETE, **changes})


def test_production_refuses_a_provider_issuer_without_tls() -> None:
    plain = {"google": {**PROVIDER, "issuer": "http://accounts.example.org"}}

    with pytest.raises(ValidationError, match="https in production"):
        Settings(env="production", **{**COMPLETE, "oidc_providers": plain})


def test_only_allow_listed_return_urls_are_returned_to_and_the_first_is_the_default() -> None:
    oidc = OidcSignIn(Settings(env="test", **COMPLETE), SECRET)

    assert oidc.return_url(None) == "https://app.example.org/signed-in"
    assert oidc.return_url("https://app.example.org/linked") == "https://app.example.org/linked"
    assert oidc.return_url("https://app.example.org/linked/../../evil") is None
    assert oidc.return_url("https://app.example.org.evil.example/signed-in") is None


def test_the_flow_cookie_is_secure_when_browsers_reach_the_ingress_over_https() -> None:
    assert OidcSignIn(Settings(env="test", **COMPLETE), SECRET).secure_cookies
    plain = {**COMPLETE, "oidc_redirect_base_url": "http://127.0.0.1:8000"}
    assert not OidcSignIn(Settings(env="test", **plain), SECRET).secure_cookies


def test_with_no_provider_the_list_is_empty_and_the_endpoints_say_it_is_off() -> None:
    client = in_memory_client(RecordingTransport(), SECRET)

    listed = client.get("/v1/auth/oidc/providers")
    start = client.get("/v1/auth/oidc/google/start", follow_redirects=False)
    exchange = client.post("/v1/auth/oidc/token", json={"code": "anything"})

    assert listed.json() == {"providers": []}
    assert start.status_code == 404
    assert start.json()["type"] == "/problems/unknown_provider"
    assert exchange.status_code == 404
    assert exchange.json()["type"] == "/problems/oidc_off"


def test_the_api_document_describes_every_provider_sign_in_endpoint() -> None:
    document = in_memory_app(RecordingTransport(), SECRET).openapi()
    paths = document["paths"]

    start = paths["/v1/auth/oidc/{provider}/start"]["get"]
    callback = paths["/v1/auth/oidc/{provider}/callback"]["get"]
    assert {"302", "400", "404", "502"} <= set(start["responses"])
    assert {"302", "400", "401", "403", "502"} <= set(callback["responses"])
    assert "/v1/auth/oidc/token" in paths
    assert "/v1/auth/oidc/{provider}/tickets" in paths


def test_the_typed_client_describes_the_provider_calls_a_portal_makes() -> None:
    client = in_memory_client(RecordingTransport(), SECRET)

    listed = client.get(calls.sign_in_providers().path)
    code = calls.exchange_provider_code("a-code", totp_code="123456")
    ticket = calls.provider_ticket("google", "link", password="a sturdy passphrase 42")

    assert api.SignInProviders.model_validate(listed.json()).providers == []
    assert (code.path, code.json) == (
        "/v1/auth/oidc/token",
        {"code": "a-code", "totp_code": "123456"},
    )
    assert ticket.path == "/v1/auth/oidc/google/tickets"
    assert ticket.json == {"purpose": "link", "password": "a sturdy passphrase 42"}
    with pytest.raises(ValidationError):
        calls.mfa_disable(None, totp_code="123456")  # neither password nor re-authentication
