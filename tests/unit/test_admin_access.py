"""Only admins reach the dead-letter endpoints (in memory: nothing is read or published)."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from azora.messages import OutgoingMessage
from producers.ingress.tokens import TokenService
from tests.support.ingress_app import in_memory_client
from tests.support.secrets import random_secret_key

SECRET = random_secret_key()
ID = uuid.uuid4()
ENDPOINTS = [
    ("GET", "/v1/admin/dead-letters"),
    ("GET", f"/v1/admin/dead-letters/{ID}"),
    ("POST", f"/v1/admin/dead-letters/{ID}/redrive"),
]


class NoTransport:
    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []

    async def send(self, message: OutgoingMessage) -> None:
        self.sent.append(message)

    async def ping(self) -> bool:
        return True


@pytest.fixture
def transport() -> NoTransport:
    return NoTransport()


@pytest.fixture
def client(transport: NoTransport) -> TestClient:
    return in_memory_client(transport, SECRET)


def bearer(*roles: str) -> dict[str, str]:
    tokens = TokenService(SECRET, 900, 3600).issue(uuid.uuid4(), roles, uuid.uuid4(), 1)
    return {"Authorization": f"Bearer {tokens.access_token}"}


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_dead_letters_need_an_access_token(client: TestClient, method: str, path: str) -> None:
    answer = client.request(method, path)
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("roles", [(), ("student",), ("instructor",)])
@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_only_admins_see_or_redrive_dead_letters(
    client: TestClient, transport: NoTransport, method: str, path: str, roles: tuple[str, ...]
) -> None:
    answer = client.request(method, path, headers=bearer(*roles))

    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "/problems/forbidden"
    assert transport.sent == []


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_an_admin_gets_past_the_role_check(client: TestClient, method: str, path: str) -> None:
    # Without Postgres (no lifespan here) the read models answer 503, as documented.
    answer = client.request(method, path, headers=bearer("student", "admin"))
    assert answer.status_code == 503


def test_an_unknown_topic_filter_is_a_422(client: TestClient) -> None:
    answer = client.get(
        "/v1/admin/dead-letters", params={"topic": "no.such_topic"}, headers=bearer("admin")
    )
    assert answer.status_code == 422
    assert "not a topic of the catalogue" in answer.json()["detail"]


def test_every_answer_of_the_admin_endpoints_is_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    listing = paths["/v1/admin/dead-letters"]["get"]["responses"]
    one = paths["/v1/admin/dead-letters/{dead_letter_id}"]["get"]["responses"]
    redrive = paths["/v1/admin/dead-letters/{dead_letter_id}/redrive"]["post"]["responses"]
    assert {"200", "401", "403", "422", "503"} <= set(listing)
    assert {"200", "401", "403", "404", "422", "503"} <= set(one)
    assert {"202", "401", "403", "404", "409", "422", "503"} <= set(redrive)
