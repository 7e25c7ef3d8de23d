"""The ingress's HTTP contract, in memory: a transport that records instead of publishing."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from fastapi.testclient import TestClient

from azora.crypto import REGISTRATION, SecretBox
from tests.support.ingress_app import RecordingTransport, in_memory_client
from tests.support.secrets import random_secret_key

SECRET = random_secret_key()


@pytest.fixture
def transport() -> RecordingTransport:
    return RecordingTransport()


@pytest.fixture
def client(transport: RecordingTransport) -> TestClient:
    return in_memory_client(transport, SECRET)


def register(client: TestClient, **headers: str) -> httpx.Response:
    return client.post(
        "/v1/auth/register",
        json={
            "email": "Ada@Example.org",
            "password": "correct horse battery",
            "display_name": "Ada",
        },
        headers=headers,
    )


def test_a_registration_is_published_with_its_email_name_and_hash_sealed_for_identity(
    client: TestClient, transport: RecordingTransport
) -> None:
    answer = register(client)
    assert answer.status_code == 202
    body = answer.json()
    (message,) = transport.sent
    envelope = json.loads(message.value)
    identity = SecretBox(SECRET).for_purpose(REGISTRATION)
    assert message.topic == "user.registration_requested.v3"
    # Keyed by a keyed digest of the email: the same address, the same partition.
    assert message.key == identity.digest("ada@example.org").encode()
    assert envelope["event_id"] == body["command_id"]
    assert envelope["payload"]["user_id"] == body["user_id"]
    assert "password_hash" not in envelope["payload"]
    assert b"correct horse battery" not in message.value
    assert b"$argon2" not in message.value
    assert b"ada@example.org" not in message.value
    assert b"ada@example.org" not in message.key
    sealed = envelope["payload"]["sealed_password_hash"]
    assert identity.open(sealed, bound_to=body["user_id"]).startswith("$argon2id$")
    details = identity.open(envelope["payload"]["sealed_details"], bound_to=body["user_id"])
    assert json.loads(details)["email"] == "ada@example.org"
    assert dict(message.headers)["event_id"] == body["command_id"].encode()


def test_the_same_idempotency_key_gives_the_same_command_id(client: TestClient) -> None:
    first = register(client, **{"Idempotency-Key": "k-1"}).json()
    again = register(client, **{"Idempotency-Key": "k-1"}).json()
    other = register(client, **{"Idempotency-Key": "k-2"}).json()
    assert first["command_id"] == again["command_id"]
    assert first["user_id"] == again["user_id"]
    assert other["command_id"] != first["command_id"]


def test_without_an_idempotency_key_every_post_is_a_new_command(client: TestClient) -> None:
    first = register(client).json()
    second = register(client).json()
    assert first["command_id"] != second["command_id"]


def test_invalid_input_is_a_422_problem_naming_each_field(
    client: TestClient, transport: RecordingTransport
) -> None:
    answer = client.post("/v1/auth/register", json={"email": "nope", "password": "short"})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == "/problems/validation_error"
    locations = {tuple(error["loc"]) for error in problem["errors"]}
    assert {("body", "email"), ("body", "display_name")} <= locations
    assert transport.sent == []


def test_a_weak_password_is_refused_with_the_policy_reason(client: TestClient) -> None:
    answer = client.post(
        "/v1/auth/register",
        json={"email": "ada@example.org", "password": "aaaaaaaaaaaa", "display_name": "A"},
    )
    assert answer.status_code == 422
    assert "4 different characters" in json.dumps(answer.json()["errors"])


def test_when_kafka_does_not_acknowledge_the_answer_is_503_with_retry_after(
    client: TestClient, transport: RecordingTransport
) -> None:
    transport.up = False
    answer = register(client)
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "5"
    assert answer.json()["type"] == "/problems/broker_unavailable"


def test_protected_endpoints_need_a_valid_access_token(client: TestClient) -> None:
    assert client.get("/v1/me").status_code == 401
    assert client.post("/v1/auth/mfa/setup").status_code == 401
    answer = client.get("/v1/me", headers={"Authorization": "Bearer not.a.token"})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_command_id_that_is_not_a_uuid_is_a_422(client: TestClient) -> None:
    assert client.get(f"/v1/commands/{uuid.uuid4().hex[:5]}").status_code == 422


def test_the_openapi_document_lists_every_account_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/v1/auth/register",
        "/v1/auth/login",
        "/v1/auth/refresh",
        "/v1/auth/logout",
        "/v1/me",
        "/v1/auth/mfa/setup",
        "/v1/auth/mfa/verify",
        "/v1/commands/{command_id}",
        "/healthz",
        "/readyz",
    ):
        assert path in paths, path


def test_readiness_says_the_tutor_is_degraded_without_a_model_provider(client: TestClient) -> None:
    body = client.get("/readyz").json()
    assert body["tutor"] == "degraded: no model provider configured"


def test_a_body_that_is_not_even_text_is_a_422_problem(client: TestClient) -> None:
    answer = client.post(
        "/v1/auth/login", content=b"\xff\xfe{", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"][0]["loc"] == ["body"]


def test_a_wrong_method_names_every_method_the_path_allows(client: TestClient) -> None:
    answer = client.delete("/v1/courses")
    assert answer.status_code == 405
    assert {"GET", "POST"} <= {m.strip() for m in answer.headers["Allow"].split(",")}


def test_the_password_policy_is_in_the_openapi_document(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    password = schemas["RegisterRequest"]["properties"]["password"]
    assert password["minLength"] == 10
    assert "commonly used" in password["description"]


def test_a_common_password_is_refused_with_the_policy_reason(client: TestClient) -> None:
    answer = client.post(
        "/v1/auth/register",
        json={"email": "ada@example.org", "password": "Password2026!", "display_name": "A"},
    )
    assert answer.status_code == 422
    assert "commonly used" in json.dumps(answer.json()["errors"])
