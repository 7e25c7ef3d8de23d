"""CORS: off unless origins are configured; then a browser app on a named origin may send
its token, JSON and retry key, and read `Location` and `Retry-After`, while other origins
get no CORS headers (so the browser keeps them out)."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from azora.settings import Settings
from producers.ingress.tokens import TokenService
from tests.support.ingress_app import RecordingTransport, in_memory_client
from tests.support.secrets import random_secret_key

SECRET = random_secret_key()
APP = "https://app.example.org"
OTHER = "https://evil.example.net"
PREFLIGHT = {
    "Origin": APP,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
}


def bearer() -> dict[str, str]:
    pair = TokenService(SECRET, 3600, 3600).issue(uuid.uuid4(), ("student",), uuid.uuid4(), 0)
    return {"Authorization": f"Bearer {pair.access_token}"}


def transfer() -> dict[str, object]:
    return {"to_user_id": str(uuid.uuid4()), "amount_minor": 100, "currency": "EUR"}


def test_without_configured_origins_no_cors_header_is_ever_sent() -> None:
    with in_memory_client(RecordingTransport(), SECRET) as client:
        preflight = client.options("/v1/wallet/transfers", headers=PREFLIGHT)
        posted = client.post(
            "/v1/wallet/transfers", json=transfer(), headers={**bearer(), "Origin": APP}
        )
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in posted.headers


def test_a_preflight_from_a_configured_origin_allows_the_token_json_and_retry_key() -> None:
    with in_memory_client(RecordingTransport(), SECRET, cors_allow_origins=(APP,)) as client:
        preflight = client.options("/v1/wallet/transfers", headers=PREFLIGHT)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == APP
    allowed = preflight.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "content-type", "idempotency-key"):
        assert header in allowed
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in preflight.headers


def test_a_command_from_a_configured_origin_exposes_where_its_outcome_lives() -> None:
    with in_memory_client(RecordingTransport(), SECRET, cors_allow_origins=(APP,)) as client:
        posted = client.post(
            "/v1/wallet/transfers", json=transfer(), headers={**bearer(), "Origin": APP}
        )
    assert posted.status_code == 202
    assert posted.headers["access-control-allow-origin"] == APP
    exposed = posted.headers["access-control-expose-headers"].lower()
    assert "location" in exposed
    assert "retry-after" in exposed


def test_a_refusal_carries_cors_headers_so_the_app_can_read_why() -> None:
    with in_memory_client(RecordingTransport(), SECRET, cors_allow_origins=(APP,)) as client:
        refused = client.post("/v1/wallet/transfers", json=transfer(), headers={"Origin": APP})
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == APP


def test_another_origin_gets_no_cors_headers() -> None:
    with in_memory_client(RecordingTransport(), SECRET, cors_allow_origins=(APP,)) as client:
        preflight = client.options("/v1/wallet/transfers", headers={**PREFLIGHT, "Origin": OTHER})
        posted = client.post(
            "/v1/wallet/transfers", json=transfer(), headers={**bearer(), "Origin": OTHER}
        )
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in posted.headers


def test_origins_come_comma_separated_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AZORA_CORS_ALLOW_ORIGINS", f"{APP}, http://localhost:5173")
    assert Settings().cors_allow_origins == (APP, "http://localhost:5173")


@pytest.mark.parametrize("given", ["https://app.example.org/", "app.example.org", "ftp://x.org"])
def test_a_value_that_is_not_an_origin_is_refused(given: str) -> None:
    with pytest.raises(ValidationError, match="is not an origin"):
        Settings(cors_allow_origins=(given,))


def test_any_origin_with_credentials_is_refused() -> None:
    with pytest.raises(ValidationError, match="every site act as the signed-in user"):
        Settings(cors_allow_origins=("*",), cors_allow_credentials=True)
