"""The typed client, against an in-memory transport: requests out, typed answers in."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from pydantic import ValidationError

from schemas import api
from stack.client import AzoraClient, AzoraError

USER = uuid.uuid4()


def server(request: httpx.Request) -> httpx.Response:
    """A few of the ingress's answers, enough to see the client read them."""
    if request.url.path == "/v1/auth/register":
        assert request.headers["Idempotency-Key"] == "k-1"
        assert json.loads(request.content)["email"] == "ada@example.org"
        command = uuid.uuid4()
        return httpx.Response(
            202,
            json={
                "command_id": str(command),
                "user_id": str(USER),
                "status_url": f"/v1/commands/{command}",
            },
        )
    if request.url.path.startswith("/v1/commands/"):
        assert float(request.url.params["wait"]) == 5
        return httpx.Response(
            200,
            json={
                "command_id": request.url.path.rsplit("/", 1)[1],
                "status": "succeeded",
                "links": {"me": "/v1/me"},
            },
        )
    if request.url.path == "/v1/auth/login":
        return httpx.Response(
            200,
            json={
                "access_token": "a-token",
                "refresh_token": "r",
                "token_type": "bearer",
                "expires_in": 900,
            },
        )
    if request.url.path == "/v1/me":
        if request.headers.get("Authorization") != "Bearer a-token":
            return httpx.Response(
                401,
                json={
                    "type": "/problems/unauthorized",
                    "status": 401,
                    "title": "Authentication required",
                    "errors": [],
                },
            )
        return httpx.Response(
            200,
            json={
                "user_id": str(USER),
                "email": "ada@example.org",
                "display_name": "Ada",
                "roles": ["student"],
                "mfa_enabled": False,
            },
        )
    return httpx.Response(404, text="nothing here")


@pytest.fixture
def azora() -> AzoraClient:
    return AzoraClient("http://azora.test", transport=httpx.MockTransport(server))


def test_a_registration_comes_back_typed_with_the_new_user_id(azora: AzoraClient) -> None:
    accepted = azora.register(
        "ada@example.org", "correct horse battery", "Ada", idempotency_key="k-1"
    )
    assert isinstance(accepted, api.RegistrationAccepted)
    assert accepted.user_id == USER
    status = azora.wait(accepted, seconds=5)
    assert status.status == "succeeded"
    assert status.command_id == accepted.command_id


def test_login_keeps_the_access_token_for_later_calls(azora: AzoraClient) -> None:
    with pytest.raises(AzoraError) as refused:
        azora.me()
    assert refused.value.status == 401
    assert refused.value.problem is not None
    assert refused.value.problem.type == "/problems/unauthorized"
    azora.login("ada@example.org", "correct horse battery")
    assert azora.me().display_name == "Ada"


def test_an_error_without_a_problem_document_still_says_its_status(azora: AzoraClient) -> None:
    with pytest.raises(AzoraError) as missing:
        azora.course(uuid.uuid4())
    assert missing.value.status == 404
    assert missing.value.problem is None


def test_bodies_are_the_contracts_request_models_as_json() -> None:
    sent: list[httpx.Request] = []

    def accept(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        command = uuid.uuid4()
        return httpx.Response(
            202,
            json={
                "command_id": str(command),
                "status_url": f"/v1/commands/{command}",
                "transfer_id": str(uuid.uuid4()),
                "payment_id": str(uuid.uuid4()),
            },
        )

    with AzoraClient("http://azora.test", transport=httpx.MockTransport(accept)) as azora:
        azora.transfer(str(USER), 1200, "EUR")
        azora.pay(5000, "EUR", "wallet_top_up")

    assert [json.loads(request.content) for request in sent] == [
        {"to_user_id": str(USER), "amount_minor": 1200, "currency": "EUR"},
        {"amount_minor": 5000, "currency": "EUR", "purpose": "wallet_top_up"},
    ]
    assert json.loads(sent[0].content) == api.TransferRequest(
        to_user_id=USER, amount_minor=1200, currency="EUR"
    ).model_dump(mode="json")


def test_a_body_the_api_would_refuse_is_refused_before_it_is_sent() -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"sent {request.url}")

    with AzoraClient("http://azora.test", transport=httpx.MockTransport(unreachable)) as azora:
        with pytest.raises(ValidationError, match="amount_minor"):
            azora.transfer(USER, -5, "EUR")
        with pytest.raises(ValidationError, match="commonly used"):
            azora.register("ada@example.org", "password123", "Ada")
