"""The command fast path answers exactly as FastAPI does, and takes only what it can.

The cases come from the app itself: every POST operation in its OpenAPI document gets the
requests that probe what the operation declares (its bearer token, its JSON body, its
Idempotency-Key), beside a few about one route's own rules. Every case goes to two
in-memory apps, one with the fast path and one without, and the answers (status, body, the
headers a client reads) and the records published must match. A POST route with a body
needs one valid body in `VALID_BODIES`; a new route without one fails, named.
"""

from __future__ import annotations

import ast
import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from producers.ingress import app as ingress_app
from producers.ingress import command_endpoints, fast_path
from producers.ingress.command_endpoints import compile_routes
from producers.ingress.tokens import TokenService
from tests.support.ingress_app import RecordingTransport, in_memory_app, in_memory_client
from tests.support.secrets import random_secret_key

SECRET = random_secret_key()
USER = uuid.UUID("0b6f2f4e-8d0c-4a43-9a55-0c3f9d5e7a11")
OTHER = uuid.UUID("7a0a2b1e-1c1d-4f4e-9a9b-3c3d5e5f7a7b")
COURSE = uuid.UUID("4d9c1a2b-3e4f-4a5b-8c6d-7e8f9a0b1c2d")
# Issued once, at collection: a day-long lifetime, so a slow run (the full suite on a busy
# machine took 17 minutes to reach these tests) never sees it expire.
TOKEN = TokenService(SECRET, 24 * 3600, 3600).issue(
    USER, ("student", "instructor"), uuid.uuid4(), 0
)
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
REGISTRATION = {
    "email": "ada@example.org",
    "password": "a sturdy passphrase 42",
    "display_name": "Ada",
}

# One valid body for every POST route that takes one: the generated cases vary it.
VALID_BODIES: dict[str, Any] = {
    "/v1/auth/register": REGISTRATION,
    "/v1/auth/login": {"email": "ada@example.org", "password": "a sturdy passphrase 42"},
    "/v1/auth/refresh": {"refresh_token": "forged"},
    "/v1/auth/logout": {"refresh_token": "forged"},
    "/v1/auth/mfa/setup": {"password": "a sturdy passphrase 42"},
    "/v1/auth/mfa/verify": {"code": "123456"},
    "/v1/auth/mfa/disable": {"password": "a sturdy passphrase 42", "totp_code": "123456"},
    "/v1/courses": COURSE_BODY,
    "/v1/enrollments": {"course_id": str(COURSE)},
    "/v1/progress": {"course_id": str(COURSE), "lesson_id": str(uuid.uuid5(COURSE, "l"))},
    "/v1/wallet/transfers": TRANSFER,
    "/v1/payments": {"amount_minor": 5000, "currency": "EUR", "purpose": "wallet_top_up"},
    "/v1/tutor/questions": {"question": "What is a partition?"},
    "/v1/learning-paths": {"subject": "Kafka", "level": "beginner", "goals": ["run a broker"]},
    "/v1/webhooks/stripe": {
        "id": "evt_1",
        "type": "payment_intent.succeeded",
        "data": {"object": {}},
    },
}

# POST routes with a JSON body that FastAPI keeps, and why.
LEFT_TO_FASTAPI = {
    "/v1/auth/register": "reads the client's address (the registration throttle)",
    "/v1/auth/login": "reads the client's address (the login throttle)",
    "/v1/auth/mfa/setup": "reads the client's address (re-authentication counts as a login)",
    "/v1/auth/mfa/verify": "reads the client's address (re-authentication counts as a login)",
    "/v1/auth/mfa/disable": "reads the client's address (re-authentication counts as a login)",
    "/v1/auth/logout": "answers 204 with no response model",
    "/v1/webhooks/stripe": "reads the raw body (Stripe signs its exact bytes)",
}

Case = tuple[str, Any, dict[str, str]]

# About one route's own rules, beside the generated cases.
ROUTE_CASES: dict[str, Case] = {
    "a transfer to oneself": (
        "/v1/wallet/transfers",
        {**TRANSFER, "to_user_id": str(USER)},
        {**BEARER, **KEY},
    ),
    "a negative amount": ("/v1/wallet/transfers", {**TRANSFER, "amount_minor": -5}, BEARER),
    "a weak password": ("/v1/auth/register", {**REGISTRATION, "password": "password"}, KEY),
    "an enrolment paid by card": (
        "/v1/enrollments",
        {"course_id": str(COURSE), "pay_with": "card"},
        {**BEARER, **KEY},
    ),
    "a course purchase without its course": (
        "/v1/payments",
        {"amount_minor": 5000, "currency": "EUR", "purpose": "course_purchase"},
        {**BEARER, **KEY},
    ),
    "a course by a student": (
        "/v1/courses",
        COURSE_BODY,
        {
            "Authorization": "Bearer "
            + TokenService(SECRET, 900, 3600)
            .issue(USER, ("student",), uuid.uuid4(), 0)
            .access_token,
            **KEY,
        },
    ),
}


@dataclass(frozen=True)
class PostRoute:
    """A POST operation of the app, as its OpenAPI document declares it."""

    template: str
    secured: bool
    takes_body: bool
    takes_idempotency_key: bool

    @property
    def path(self) -> str:
        """The path with its parameters filled in."""
        return re.sub(r"\{[^}]+\}", str(uuid.uuid5(COURSE, "path")), self.template)


def _post_routes() -> list[PostRoute]:
    document = in_memory_app(RecordingTransport(), SECRET).openapi()
    routes = []
    for template, item in document["paths"].items():
        post = item.get("post")
        if post is None:
            continue
        headers = {p["name"] for p in post.get("parameters", []) if p["in"] == "header"}
        routes.append(
            PostRoute(
                template=template,
                secured=bool(post.get("security")),
                takes_body="application/json" in post.get("requestBody", {}).get("content", {}),
                takes_idempotency_key="Idempotency-Key" in headers,
            )
        )
    return routes


POST_ROUTES = _post_routes()
FAST_PATH_TABLE = compile_routes(ingress_app.routes())


def _generated_cases(route: PostRoute) -> dict[str, Case]:
    """The requests that probe what `route` declares, each as (path, body, headers)."""
    body = VALID_BODIES.get(route.template) if route.takes_body else None
    auth = BEARER if route.secured else {}
    key = KEY if route.takes_idempotency_key else {}
    headers = {**auth, **key}
    cases: dict[str, Any] = {"as documented": (body, headers)}
    if route.secured:
        token = TOKEN.access_token
        cases |= {
            "no token": (body, key),
            "a forged token": (body, {"Authorization": "Bearer forged", **key}),
            "another scheme": (body, {"Authorization": "Basic dXNlcg==", **key}),
            "a lower-case scheme, spaced": (body, {"Authorization": f"bearer  {token}", **key}),
        }
    if route.takes_body:
        encoded = json.dumps(body).encode()
        cases |= {
            "an unknown field": ({**body, "memo": "hi"}, headers),
            "an empty object": ({}, headers),
            "a list": ([body], headers),
            "a body that is not JSON": (b"{not json", headers),
            "an empty body": (b"", headers),
            "a text body": (encoded, {**headers, "Content-Type": "text/plain"}),
            "JSON with a charset": (
                encoded,
                {**headers, "Content-Type": "application/json; charset=utf-8"},
            ),
        }
    if route.takes_idempotency_key:
        cases["an idempotency key too long"] = (body, {**auth, "Idempotency-Key": "k" * 201})
    return {name: (route.path, body, headers) for name, (body, headers) in cases.items()}


CASES: dict[str, Case] = {
    f"POST {route.template}: {name}": case
    for route in POST_ROUTES
    if not route.takes_body or route.template in VALID_BODIES
    for name, case in _generated_cases(route).items()
} | {
    f"POST {path}: {name}": (path, body, headers)
    for name, (path, body, headers) in ROUTE_CASES.items()
}


def _post(client: TestClient, path: str, body: Any, headers: dict[str, str]) -> httpx.Response:
    if body is None:
        return client.post(path, headers=headers)
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


def _served() -> float:
    value = REGISTRY.get_sample_value(
        "azora_ingress_fast_path_requests_total", {"outcome": "served"}
    )
    return value or 0.0


def test_every_post_route_has_cases() -> None:
    lacking = [r.template for r in POST_ROUTES if r.takes_body and r.template not in VALID_BODIES]
    assert not lacking, (
        f"POST routes without fast-path parity cases: {lacking}; "
        "add a valid body for each to VALID_BODIES in tests/unit/test_fast_path.py"
    )
    templates = {route.template for route in POST_ROUTES}
    assert {path for path, _, _ in ROUTE_CASES.values()} <= templates
    assert set(VALID_BODIES) <= templates


def test_every_post_route_with_a_body_is_on_the_fast_path_unless_fastapi_must_answer() -> None:
    with_a_body = {route.template for route in POST_ROUTES if route.takes_body}
    assert set(FAST_PATH_TABLE) == with_a_body - set(LEFT_TO_FASTAPI)


def _app(fast_path: bool) -> tuple[RecordingTransport, TestClient]:
    """An app without a lifespan (no network), and the transport that keeps its records."""
    transport = RecordingTransport()
    return transport, in_memory_client(transport, SECRET, fast_path=fast_path)


# One app each way for every case: nothing but the records outlives a request, and each
# case starts without records.
APPS = {True: _app(True), False: _app(False)}


def _sent(path: str, body: Any, headers: dict[str, str], *, fast_path: bool) -> tuple[Any, float]:
    """The answer and the records published, and how many requests the fast path served."""
    transport, client = APPS[fast_path]
    transport.sent.clear()
    before = _served()
    answer = _answer(_post(client, path, body, headers))
    served = _served() - before
    return (answer, _published(transport)), served


@pytest.mark.parametrize("case", CASES)
def test_the_fast_path_answers_as_fastapi_does(case: str) -> None:
    path, body, headers = CASES[case]
    fast, served = _sent(path, body, headers, fast_path=True)
    if path not in FAST_PATH_TABLE:
        assert served == 0  # FastAPI answers every request to this route
        return
    if case.endswith(": as documented"):
        assert served == 1  # the fast path took it: not FastAPI compared with itself
    assert fast == _sent(path, body, headers, fast_path=False)[0]


def test_the_fast_path_serves_valid_commands_and_leaves_the_rest_to_fastapi() -> None:
    client = in_memory_client(RecordingTransport(), SECRET)
    before = _served()
    assert client.post("/v1/wallet/transfers", json=TRANSFER, headers=BEARER).status_code == 202
    assert _served() == before + 1
    assert client.post("/v1/wallet/transfers", json={}, headers=BEARER).status_code == 422
    assert client.post("/v1/wallet/transfers", json=TRANSFER).status_code == 401
    assert _served() == before + 1


@pytest.mark.parametrize("module", [fast_path, command_endpoints])
def test_the_fast_path_uses_only_public_fastapi_and_starlette_names(module: Any) -> None:
    tree = ast.parse(Path(module.__file__).read_text())
    private = [
        f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
        if node.module.split(".")[0] in ("fastapi", "starlette")
        and any(part.startswith("_") for part in [*node.module.split("."), alias.name])
    ]
    assert private == []
