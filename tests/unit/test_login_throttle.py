"""Login throttling: lockouts per account and per address, on an injected clock."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pyotp
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from azora.credential_sealing import LoginSecrets, seal_credentials
from azora.crypto import CREDENTIALS, SecretBox
from azora.personal.sections import open_section
from azora.settings import Settings
from azora.topics import TopicNames
from producers.ingress import credentials, tutor
from producers.ingress.app import create_app
from producers.ingress.asyncapi import make_broker
from producers.ingress.bus import Bus
from producers.ingress.context import IngressContext
from producers.ingress.passwords import Passwords
from producers.ingress.sealing import NO_KEY_DETAIL
from producers.ingress.throttle import LoginLocked, LoginThrottle
from producers.ingress.tokens import TokenService
from producers.ingress.waiter import CommandWaiter
from schemas.tutor import TutorQuestionText
from tests.support.key_store import memory_vault
from tests.support.secrets import random_webhook_secret
from tests.unit.test_ingress import SECRET, RecordingTransport

PASSWORD = "correct horse battery staple"


class Clock:
    """Time that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def throttle(clock: Clock) -> LoginThrottle:
    return LoginThrottle(
        max_failures=5, max_failures_per_address=8, window_s=900, lockout_s=900, clock=clock
    )


def fail(
    throttle: LoginThrottle, times: int, email: str = "ada@example.org", address: str = "a"
) -> None:
    for _ in range(times):
        throttle.begin(email, address).failed()


def test_five_failures_lock_the_account_for_the_lockout(
    throttle: LoginThrottle, clock: Clock
) -> None:
    fail(throttle, 4)
    throttle.begin("ada@example.org", "a").abandoned()  # the fifth try is still allowed
    fail(throttle, 1)
    with pytest.raises(LoginLocked) as locked:
        throttle.begin("ada@example.org", "b")  # from another address too
    assert locked.value.retry_after_s == 900
    clock.advance(899)
    with pytest.raises(LoginLocked) as still:
        throttle.begin("ada@example.org", "a")
    assert still.value.retry_after_s == 1
    clock.advance(1)
    throttle.begin("ada@example.org", "a").succeeded()


def test_failures_older_than_the_window_are_forgotten(
    throttle: LoginThrottle, clock: Clock
) -> None:
    fail(throttle, 4)
    clock.advance(901)
    fail(throttle, 4)
    throttle.begin("ada@example.org", "a").succeeded()


def test_a_success_resets_the_account_count_but_not_the_address_count(
    throttle: LoginThrottle,
) -> None:
    fail(throttle, 4, email="ada@example.org", address="office")
    throttle.begin("ada@example.org", "office").succeeded()
    fail(throttle, 3, email="ada@example.org", address="office")
    throttle.begin("ada@example.org", "office").succeeded()  # the account: 3, not 7
    fail(throttle, 1, email="grace@example.org", address="office")
    # The address has 8 failures behind it, its limit: nobody logs in from there for now.
    with pytest.raises(LoginLocked):
        throttle.begin("ada@example.org", "office")
    throttle.begin("ada@example.org", "home").succeeded()


def test_failures_for_many_emails_from_one_address_lock_the_address(
    throttle: LoginThrottle,
) -> None:
    for n in range(8):
        fail(throttle, 1, email=f"guess-{n}@example.org", address="attacker")
    with pytest.raises(LoginLocked) as locked:
        throttle.begin("ada@example.org", "attacker")
    assert locked.value.retry_after_s == 900
    throttle.begin("ada@example.org", "elsewhere").succeeded()


def test_attempts_in_flight_count_so_a_parallel_burst_cannot_pass_the_limit(
    throttle: LoginThrottle,
) -> None:
    attempts = [throttle.begin("ada@example.org", "a") for _ in range(5)]
    with pytest.raises(LoginLocked) as pending:
        throttle.begin("ada@example.org", "a")
    assert pending.value.retry_after_s == 1
    for attempt in attempts:
        attempt.failed()
    with pytest.raises(LoginLocked) as locked:
        throttle.begin("ada@example.org", "a")
    assert locked.value.retry_after_s == 900


def test_an_attempt_without_a_verdict_neither_counts_nor_resets(throttle: LoginThrottle) -> None:
    fail(throttle, 4)
    for _ in range(10):
        throttle.begin("ada@example.org", "a").abandoned()
    fail(throttle, 1)
    with pytest.raises(LoginLocked):
        throttle.begin("ada@example.org", "a")


def test_a_settled_attempt_settles_once(throttle: LoginThrottle) -> None:
    attempt = throttle.begin("ada@example.org", "a")
    attempt.failed()
    attempt.abandoned()
    attempt.failed()
    fail(throttle, 3)
    throttle.begin("ada@example.org", "a").succeeded()  # 4 failures, not 5


def test_idle_entries_are_swept_so_sprayed_emails_do_not_pile_up(
    throttle: LoginThrottle, clock: Clock
) -> None:
    for n in range(1000):
        fail(throttle, 1, email=f"spray-{n}@example.org", address=f"10.0.{n // 250}.{n % 250}")
    assert len(throttle) == 2000
    clock.advance(901)
    for _ in range(24):  # the sweep runs every 1024 attempts
        throttle.begin("ada@example.org", "a").succeeded()
    assert len(throttle) == 2


# The same rules through the HTTP endpoint.


class ReadModels:
    """Answers the ingress's read-model queries from memory (no Postgres in unit tests),
    with each user's login secrets sealed for the ingress, as the projection keeps them."""

    def __init__(self) -> None:
        self.credentials: dict[str, dict[str, Any]] = {}
        self.secrets: dict[uuid.UUID, LoginSecrets] = {}
        self.question_owners: dict[uuid.UUID, uuid.UUID] = {}

    def _with_sealed(self, row: dict[str, Any]) -> dict[str, Any]:
        box = SecretBox(SECRET).for_purpose(CREDENTIALS)
        secrets = self.secrets[row["user_id"]]
        sealed = seal_credentials(box, row["user_id"], secrets)
        return {**row, "sealed_secrets": sealed, "secrets_version": 0, "mfa_version": 0}

    async def fetchrow(self, sql: str, *args: Any) -> dict[str, Any] | None:
        if sql == credentials.CREDENTIALS:
            row = self.credentials.get(args[0])
            return self._with_sealed(row) if row else None
        if sql == credentials.CREDENTIALS_OF:
            found = [row for row in self.credentials.values() if row["user_id"] == args[0]]
            email = next(iter(self.credentials))
            return self._with_sealed({"email": email, **found[0]}) if found else None
        if sql == tutor.CONVERSATION_OWNER:
            owner = self.question_owners.get(args[0])
            return {"user_id": owner} if owner else None
        if sql == tutor.RECENT:
            return {"asked": 0, "oldest": None}
        return None

    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        return []


@pytest.fixture
def read_models() -> ReadModels:
    return ReadModels()


@pytest.fixture
def transport() -> RecordingTransport:
    return RecordingTransport()


@pytest.fixture
def ctx(clock: Clock, read_models: ReadModels, transport: RecordingTransport) -> IngressContext:
    settings = Settings(
        env="test", secret_key=SECRET, stripe_webhook_secret=random_webhook_secret()
    )
    hasher = PasswordHasher(time_cost=1, memory_cost=8192)
    context = IngressContext(
        settings=settings,
        bus=Bus(transport, TopicNames(), SECRET),
        tokens=TokenService(SECRET, 900, 3600),
        passwords=Passwords(hasher),
        secrets=SecretBox(SECRET),
        waiter=CommandWaiter(settings.database_url),
        asyncapi=dict,
        vault=memory_vault(),
        logins=LoginThrottle(max_failures=5, window_s=900, lockout_s=900, clock=clock),
    )
    context.pool = read_models  # type: ignore[assignment]
    ada = uuid.uuid4()
    read_models.credentials["ada@example.org"] = {"user_id": ada, "roles": ["student"]}
    read_models.secrets[ada] = LoginSecrets(hasher.hash(PASSWORD), None)
    return context


@pytest.fixture
def client(ctx: IngressContext) -> TestClient:
    # No `with`: the lifespan (which would connect to Kafka and Postgres) never runs.
    return TestClient(create_app(ctx, make_broker(ctx.settings)), raise_server_exceptions=False)


def login(client: TestClient, email: str, password: str = "wrong password 1234") -> Any:
    return client.post("/v1/auth/login", json={"email": email, "password": password})


def test_after_five_failures_even_the_right_password_gets_429_with_retry_after(
    client: TestClient, clock: Clock
) -> None:
    assert [login(client, "ada@example.org").status_code for _ in range(5)] == [401] * 5
    locked = login(client, "ada@example.org", PASSWORD)
    assert locked.status_code == 429
    assert locked.headers["Retry-After"] == "900"
    assert locked.headers["content-type"] == "application/problem+json"
    assert locked.json()["type"] == "/problems/login_locked"
    clock.advance(900)
    assert login(client, "ada@example.org", PASSWORD).status_code == 200


def test_an_unknown_email_locks_out_exactly_like_a_known_one(client: TestClient) -> None:
    known = [login(client, "ada@example.org") for _ in range(6)]
    unknown = [login(client, "nobody@example.org") for _ in range(6)]
    assert [a.status_code for a in known] == [a.status_code for a in unknown] == [401] * 5 + [429]
    for a, b in zip(known, unknown, strict=True):
        assert a.json() == b.json()
        assert a.headers.get("Retry-After") == b.headers.get("Retry-After")


def test_a_successful_login_resets_the_account_count(client: TestClient) -> None:
    for _ in range(4):
        login(client, "ada@example.org")
    assert login(client, "ada@example.org", PASSWORD).status_code == 200
    assert [login(client, "ada@example.org").status_code for _ in range(5)] == [401] * 5
    assert login(client, "ada@example.org").status_code == 429


def test_the_email_is_counted_as_normalised(client: TestClient) -> None:
    for _ in range(5):
        login(client, "Ada@Example.ORG")
    assert login(client, "ada@example.org", PASSWORD).status_code == 429


def test_a_question_cannot_continue_another_users_conversation(
    client: TestClient, ctx: IngressContext, read_models: ReadModels
) -> None:
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    conversation = uuid.uuid4()
    read_models.question_owners[conversation] = theirs
    token = ctx.tokens.issue(mine, ("student",), uuid.uuid4(), 0).access_token
    answer = client.post(
        "/v1/tutor/questions",
        json={"question": "What did they ask?", "conversation_id": str(conversation)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 404
    read_models.question_owners[conversation] = mine
    asyncio.run(ctx.vault.create_key(mine))
    answer = client.post(
        "/v1/tutor/questions",
        json={"question": "And then?", "conversation_id": str(conversation)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 202


def test_a_user_with_no_personal_data_key_is_told_why_their_words_cannot_be_taken(
    client: TestClient, ctx: IngressContext, transport: RecordingTransport
) -> None:
    token = ctx.tokens.issue(uuid.uuid4(), ("student",), uuid.uuid4(), 0).access_token
    bodies = {
        "/v1/tutor/questions": {"question": "What is a partition?"},
        "/v1/learning-paths": {"subject": "Kafka", "level": "beginner", "goals": ["a broker"]},
    }
    for path, body in bodies.items():
        refused = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 409, refused.text
        assert refused.json()["detail"] == NO_KEY_DETAIL
    assert transport.sent == []


def test_a_question_and_its_goals_are_published_sealed_with_the_users_key(
    client: TestClient, ctx: IngressContext, transport: RecordingTransport
) -> None:
    user = uuid.uuid4()
    asyncio.run(ctx.vault.create_key(user))
    token = ctx.tokens.issue(user, ("student",), uuid.uuid4(), 0).access_token
    asked = client.post(
        "/v1/tutor/questions",
        json={"question": "What is a partition?"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert asked.status_code == 202, asked.text
    ring = asyncio.run(ctx.vault.keyring([user]))
    (sent,) = transport.sent
    assert b"What is a partition?" not in sent.value
    payload = json.loads(sent.value)["payload"]
    opened = open_section(ring, user, payload["personal"], TutorQuestionText)
    assert opened == TutorQuestionText(question="What is a partition?")


def erase(client: TestClient, ctx: IngressContext, user_id: uuid.UUID, body: Any) -> Any:
    token = ctx.tokens.issue(user_id, ("student",), uuid.uuid4(), 0).access_token
    return client.request(
        "DELETE", "/v1/me", json=body, headers={"Authorization": f"Bearer {token}"}
    )


def test_erasing_an_account_with_a_wrong_password_is_refused_with_the_reason(
    client: TestClient, ctx: IngressContext, read_models: ReadModels
) -> None:
    ada = read_models.credentials["ada@example.org"]["user_id"]
    refused = erase(client, ctx, ada, {"password": "not the right passphrase"})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "/problems/reauthentication_failed"
    assert "password" in refused.json()["detail"]


def test_erasing_an_account_without_a_password_is_a_422_naming_it(
    client: TestClient, ctx: IngressContext, read_models: ReadModels
) -> None:
    ada = read_models.credentials["ada@example.org"]["user_id"]
    refused = erase(client, ctx, ada, {})
    assert refused.status_code == 422
    assert "password" in refused.text


def test_erasing_an_account_with_mfa_on_needs_a_code_as_well_as_the_password(
    client: TestClient, ctx: IngressContext, read_models: ReadModels
) -> None:
    ada = read_models.credentials["ada@example.org"]["user_id"]
    hashed = read_models.secrets[ada].password_hash
    read_models.secrets[ada] = LoginSecrets(hashed, pyotp.random_base32())
    refused = erase(client, ctx, ada, {"password": PASSWORD})
    assert refused.status_code == 403
    assert "totp_code" in refused.json()["detail"]


def test_erasing_an_account_with_the_right_password_is_accepted_as_a_command(
    client: TestClient, ctx: IngressContext, read_models: ReadModels
) -> None:
    ada = read_models.credentials["ada@example.org"]["user_id"]
    accepted = erase(client, ctx, ada, {"password": PASSWORD})
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["status_url"].startswith("/v1/commands/")
