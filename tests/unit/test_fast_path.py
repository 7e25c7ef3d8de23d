"""The command fast path answers exactly as FastAPI does, and takes only what it can.

Every case goes to two in-memory apps, one with the fast path and one without, and the
answers (status, body, the headers a client reads) and the records published must match.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from producers.ingress import accounts, courses, enrollments, payments, tutor, wallet
from producers.ingress.fast_path import compile_routes
from producers.ingress.tokens import TokenService
from tests.support.ingress_app import RecordingTransport, in_memory_client
from tests.support.secrets import random_secret_key

SECRET = random_secret_key()
USER = uuid.UUID("0b6f2f4e-8d0c-4a43-9a55-0c3f9d5e7a11")
OTHER = uuid.UUID("7a0a2b1e-1c1d-4f4e-9a9b-3c3d5e5f7a7b")
COURSE = uuid.UUID("4d9c1a2b-3e4f-4a5b-8c6d-7e8f9a0b1c2d")
TOKEN = TokenService(SECRET, 900, 3600).issue(USER, ("student", "instructor"), uuid.uuid4(), 0)
BEARER = {"Authorization": f"Bearer {TOKEN.access_token}"}
KEY = {"Idempotency-Key": "fast-path-case"}
# Headers a client acts on; Date, Server and Content-Length may differ in ways that do not.
COMPARED_HEADERS = ("content-type", "location", "www-authenticate", "retry-after", "allow")

TRANSFER = {"to_user_id": str(OTHER), "amount_minor": 1200, "currency": "EUR"}
COURSE_BODY = {
    "title": "Kafka in practice",
    "description": "Topics, partitions, groups.",
    "category": "engineering",
    "level": "beginner",
    "price_minor": 0,
    "modules": [{"title": "Basics", "lessons": [{"title": "Topics", "content": "A log."}]}],
}

CASES: dict[str, tuple[str, Any, dict[str, str]]] = {
    "a valid transfer": ("/v1/wallet/transfers", TRANSFER, {**BEARER, **KEY}),
    "a transfer to oneself": (
        "/v1/wallet/transfers",
        {**TRANSFER, "to_user_id": str(USER)},
        {**BEARER, **KEY},
    ),
    "a negative amount": ("/v1/wallet/transfers", {**TRANSFER, "amount_minor": -5}, BEARER),
    "an unknown field": ("/v1/wallet/transfers", {**TRANSFER, "memo": "hi"}, BEARER),
    "an empty object": ("/v1/wallet/transfers", {}, BEARER),
    "a body that is not JSON": ("/v1/wallet/transfers", b"{not json", BEARER),
    "an empty body": ("/v1/wallet/transfers", b"", BEARER),
    "no token": ("/v1/wallet/transfers", TRANSFER, {}),
    "a forged token": ("/v1/wallet/transfers", TRANSFER, {"Authorization": "Bearer forged"}),
    "another scheme": ("/v1/wallet/transfers", TRANSFER, {"Authorization": "Basic dXNlcg=="}),
    "a text body": (
        "/v1/wallet/transfers",
        json.dumps(TRANSFER).encode(),
        {**BEARER, "Content-Type": "text/plain"},
    ),
    "an idempotency key too long": (
        "/v1/wallet/transfers",
        TRANSFER,
        {**BEARER, "Idempotency-Key": "k" * 201},
    ),
    "a registration": (
        "/v1/auth/register",
        {"email": "ada@example.org", "password": "a sturdy passphrase 42", "display_name": "Ada"},
        KEY,
    ),
    "a weak password": (
        "/v1/auth/register",
        {"email": "ada@example.org", "password": "password", "display_name": "Ada"},
        KEY,
    ),
    "a forged refresh token": ("/v1/auth/refresh", {"refresh_token": "forged"}, {}),
    "an MFA code": ("/v1/auth/mfa/verify", {"code": "123456"}, {**BEARER, **KEY}),
    "an enrolment": ("/v1/enrollments", {"course_id": str(COURSE)}, {**BEARER, **KEY}),
    "a finished lesson": (
        "/v1/progress",
        {"course_id": str(COURSE), "lesson_id": str(uuid.uuid5(COURSE, "l"))},
        {**BEARER, **KEY},
    ),
    "a card payment": (
        "/v1/payments",
        {"amount_minor": 5000, "currency": "EUR", "purpose": "wallet_top_up"},
        {**BEARER, **KEY},
    ),
    "a question": ("/v1/tutor/questions", {"question": "What is a partition?"}, {**BEARER, **KEY}),
    "a learning path": (
        "/v1/learning-paths",
        {"subject": "Kafka", "level": "beginner", "goals": ["run a broker"]},
        {**BEARER, **KEY},
    ),
    "a course": ("/v1/courses", COURSE_BODY, {**BEARER, **KEY}),
}


def _post(client: TestClient, path: str, body: Any, headers: dict[str, str]) -> httpx.Response:
    if isinstance(body, bytes):
        headers = {"Content-Type": "application/json", **headers}
        return client.post(path, content=body, headers=headers)
    return client.post(path, json=body, headers=headers)


def _answer(response: httpx.Response) -> tuple[int, Any, dict[str, str | None]]:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.content
    return response.status_code, body, {h: response.headers.get(h) for h in COMPARED_HEADERS}


def _published(transport: RecordingTransport) -> list[tuple[str, bytes | None, Any, Any]]:
    """What went to Kafka, less what differs by nature: instants and salted password hashes."""
    records = []
    for message in transport.sent:
        envelope = json.loads(message.value)
        del envelope["occurred_at"]
        payload = {
            k: v
            for k, v in envelope.pop("payload").items()
            if not k.endswith("_at") and k != "password_hash"
        }
        records.append((message.topic, message.key, envelope, payload))
    return records


@pytest.mark.parametrize("case", CASES)
def test_the_fast_path_answers_as_fastapi_does(case: str) -> None:
    path, body, headers = CASES[case]
    answers, published = [], []
    for fast_path in (True, False):
        transport = RecordingTransport()
        with in_memory_client(transport, SECRET, fast_path=fast_path) as client:
            answers.append(_answer(_post(client, path, body, headers)))
        published.append(_published(transport))
    assert answers[0] == answers[1]
    assert published[0] == published[1]


def _served() -> float:
    value = REGISTRY.get_sample_value(
        "azora_ingress_fast_path_requests_total", {"outcome": "served"}
    )
    return value or 0.0


def test_the_fast_path_serves_valid_commands_and_leaves_the_rest_to_fastapi() -> None:
    with in_memory_client(RecordingTransport(), SECRET) as client:
        before = _served()
        assert client.post("/v1/wallet/transfers", json=TRANSFER, headers=BEARER).status_code == 202
        assert _served() == before + 1
        assert client.post("/v1/wallet/transfers", json={}, headers=BEARER).status_code == 422
        assert client.post("/v1/wallet/transfers", json=TRANSFER).status_code == 401
        assert _served() == before + 1


def test_every_command_route_with_a_body_is_on_the_fast_path() -> None:
    routers = (accounts, courses, enrollments, payments, tutor, wallet)
    table = compile_routes(route for module in routers for route in module.router.routes)
    commands = {path for path, _, _ in CASES.values()}
    assert commands <= set(table)
    # The login reads the client's address and the webhook its raw bytes: FastAPI's own.
    assert "/v1/auth/login" not in table
    assert "/v1/webhooks/stripe" not in table
