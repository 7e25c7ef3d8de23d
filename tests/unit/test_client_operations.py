"""Each method of the Python client sends the operation it is marked for, as the document
describes it: its method and path, its body, its headers."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from stack.client import AzoraClient, operations_of
from stack.openapi import document

ID = uuid.uuid4()
KEY = "k-1"
EVENT = b'{"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {}}}'


def answer(request: httpx.Request) -> httpx.Response:
    """Enough of each answer for the client to read it."""
    path = request.url.path
    if path == "/readyz":
        return httpx.Response(503, json={"status": "unavailable", "failed": ["kafka"]})
    if path == "/metrics":
        return httpx.Response(200, text="# TYPE up gauge\n")
    if path in ("/healthz", "/asyncapi", "/v1/webhooks/stripe"):
        return httpx.Response(200, json={"status": "ok"})
    if path == "/v1/auth/logout":
        return httpx.Response(204)
    if path == "/v1/auth/refresh":
        return httpx.Response(
            200, json={"access_token": "a2", "refresh_token": "r2", "expires_in": 900}
        )
    accepted = {"command_id": str(ID), "status_url": f"/v1/commands/{ID}"}
    return httpx.Response(
        202,
        json={
            **accepted,
            "question_id": str(ID),
            "conversation_id": str(ID),
            "path_id": str(ID),
            "recovery_codes": [],
        },
    )


# method name -> a call of it; only methods whose request is worth reading are listed here.
CALLS: dict[str, Callable[[AzoraClient], Any]] = {
    "ask_tutor": lambda a: a.ask_tutor("What is an offset?", course_id=ID, idempotency_key=KEY),
    "request_learning_path": lambda a: a.request_learning_path(
        "Kafka", "beginner", ["run a broker"], idempotency_key=KEY
    ),
    "mfa_verify": lambda a: a.mfa_verify("123456", idempotency_key=KEY),
    "mfa_disable": lambda a: a.mfa_disable("a sturdy passphrase", totp_code="123456"),
    "delete_account": lambda a: a.delete_account("a sturdy passphrase", totp_code="123456"),
    "stripe_webhook": lambda a: a.stripe_webhook(EVENT, "t=1,v1=abc"),
    "readiness": lambda a: a.readiness(),
    "metrics": lambda a: a.metrics(),
    "liveness": lambda a: a.liveness(),
    "asyncapi": lambda a: a.asyncapi(),
    "refresh": lambda a: a.refresh(),
    "logout": lambda a: a.logout(),
}


@pytest.fixture(scope="module")
def templates() -> dict[str, tuple[str, re.Pattern[str]]]:
    """operationId -> (method, a pattern of its path)."""
    found = {}
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
            found[operation["operationId"]] = (method.upper(), pattern)
    return found


@pytest.mark.parametrize("name", sorted(CALLS))
def test_each_method_sends_the_operation_it_is_marked_for(
    name: str, templates: dict[str, tuple[str, re.Pattern[str]]]
) -> None:
    sent: list[httpx.Request] = []

    def server(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return answer(request)

    with AzoraClient("http://azora.test", transport=httpx.MockTransport(server)) as azora:
        azora.refresh_token = "r1"
        CALLS[name](azora)
    marked = {method: operation_id for operation_id, method in operations_of(AzoraClient).items()}
    method, pattern = templates[marked[name]]
    assert [(r.method, bool(pattern.match(r.url.path))) for r in sent] == [(method, True)]


def test_commands_carry_their_body_and_idempotency_key() -> None:
    sent: list[httpx.Request] = []

    def server(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return answer(request)

    with AzoraClient("http://azora.test", transport=httpx.MockTransport(server)) as azora:
        azora.ask_tutor("What is an offset?", course_id=ID, idempotency_key=KEY)
        azora.request_learning_path("Kafka", "beginner", ["run a broker"], idempotency_key=KEY)
    assert [json.loads(r.content) for r in sent] == [
        {"question": "What is an offset?", "course_id": str(ID)},
        {"subject": "Kafka", "level": "beginner", "goals": ["run a broker"]},
    ]
    assert {r.headers["Idempotency-Key"] for r in sent} == {KEY}


def test_stripes_webhook_is_sent_as_the_exact_bytes_signed() -> None:
    sent: list[httpx.Request] = []

    def server(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return answer(request)

    with AzoraClient("http://azora.test", transport=httpx.MockTransport(server)) as azora:
        azora.stripe_webhook(EVENT, "t=1,v1=abc")
    assert sent[0].content == EVENT
    assert sent[0].headers["Stripe-Signature"] == "t=1,v1=abc"


def test_readiness_reads_the_checks_when_not_ready_too() -> None:
    with AzoraClient("http://azora.test", transport=httpx.MockTransport(answer)) as azora:
        assert azora.readiness()["failed"] == ["kafka"]


def test_logout_forgets_the_tokens() -> None:
    with AzoraClient("http://azora.test", transport=httpx.MockTransport(answer)) as azora:
        azora.refresh_token = "r1"
        azora.refresh()
        assert (azora.token, azora.refresh_token) == ("a2", "r2")
        azora.logout()
        assert (azora.token, azora.refresh_token) == (None, None)
