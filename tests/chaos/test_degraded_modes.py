"""With Kafka or Postgres down the platform degrades as documented, and heals on its own.

Kafka down: commands answer 503 with Retry-After and nothing is published (the same
Idempotency-Key later publishes exactly once). Postgres down: queries answer 503 with
Retry-After while commands are still accepted. When either returns, every consumer
resumes without a restart and the commands reach their outcome.
"""

from __future__ import annotations

import asyncio
import subprocess
import uuid

import httpx
import pytest

from schemas.catalogue import BY_MODEL
from schemas.registration import UserRegistrationRequestedV3
from tests.chaos.harness import StartStack
from tests.chaos.stack import REPO, ChaosStack

pytestmark = pytest.mark.chaos

PASSWORD = "correct horse battery staple"


@pytest.fixture
async def stack(start_chaos_stack: StartStack) -> ChaosStack:
    return await start_chaos_stack(1)


def registration(email: str) -> dict[str, str]:
    return {"email": email, "password": PASSWORD, "display_name": "Ada"}


async def settled(http: httpx.AsyncClient, accepted: httpx.Response) -> str:
    for _ in range(30):
        answer = await http.get(accepted.json()["status_url"], params={"wait": 10})
        if answer.status_code == 200 and answer.json()["status"] != "pending":
            return str(answer.json()["status"])
        await asyncio.sleep(1)
    raise AssertionError("the command never settled")


async def ready(http: httpx.AsyncClient) -> None:
    for _ in range(120):
        if (await http.get("/readyz")).status_code == 200:
            return
        await asyncio.sleep(0.5)
    raise AssertionError("never ready again")


async def test_with_kafka_down_commands_are_refused_whole_and_go_through_once_after(
    stack: ChaosStack,
) -> None:
    requested = stack.world.names.physical(BY_MODEL[UserRegistrationRequestedV3])
    key = {"Idempotency-Key": str(uuid.uuid4())}
    email = f"degraded-{uuid.uuid4().hex[:8]}@example.org"
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:
        await asyncio.to_thread(_kafka, "stop")
        try:
            refused = await http.post("/v1/auth/register", json=registration(email), headers=key)
            readiness = await http.get("/readyz")
        finally:
            await asyncio.to_thread(_kafka, "start")
        assert refused.status_code == 503
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert int(refused.headers["Retry-After"]) > 0
        assert readiness.status_code == 503
        assert readiness.json()["failed"] == ["kafka"]

        await ready(http)
        assert await stack.world.read_all(requested) == []  # nothing half-published
        accepted = await http.post("/v1/auth/register", json=registration(email), headers=key)
        assert accepted.status_code == 202
        assert await settled(http, accepted) == "succeeded"
        again = await http.post("/v1/auth/register", json=registration(email), headers=key)
        assert again.json()["command_id"] == accepted.json()["command_id"]
    assert len(await stack.world.read_all(requested)) == 1


async def test_with_postgres_down_queries_answer_503_and_commands_without_words_are_accepted(
    stack: ChaosStack,
) -> None:
    email = f"degraded-{uuid.uuid4().hex[:8]}@example.org"
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:
        first = await http.post("/v1/auth/register", json=registration(email))
        assert await settled(http, first) == "succeeded"
        tokens = await http.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
        auth = {"Authorization": f"Bearer {tokens.json()['access_token']}"}

        await asyncio.to_thread(_postgres, "stop")
        try:
            query = await http.get("/v1/me", headers=auth)
            readiness = await http.get("/readyz")
            # Nothing personal: published as ever.
            command = await http.post(
                "/v1/wallet/transfers",
                json={"to_user_id": str(uuid.uuid4()), "amount_minor": 100, "currency": "EUR"},
                headers=auth,
            )
            # A user's words are sealed with their key, which the vault (in Postgres) holds:
            # refused whole, to be retried, never published in clear.
            words = await http.post(
                "/v1/learning-paths",
                json={"subject": "Kafka", "level": "beginner", "goals": ["run it"]},
                headers=auth,
            )
        finally:
            await asyncio.to_thread(_postgres, "start")
        assert query.status_code == 503
        assert int(query.headers["Retry-After"]) > 0
        assert readiness.status_code == 503
        assert readiness.json()["failed"] == ["postgres"]
        assert command.status_code == 202
        assert words.status_code == 503, words.text
        assert int(words.headers["Retry-After"]) > 0

        # Nobody restarts anything: the consumers and the relay reconnect by themselves.
        assert await settled(http, command) in ("succeeded", "rejected")
        assert (await http.get("/v1/me", headers=auth)).status_code == 200


def _kafka(action: str) -> None:
    subprocess.run([str(REPO / "infra/kafka/kafka.sh"), action], check=True, capture_output=True)


def _postgres(action: str) -> None:
    script = str(REPO / "infra/postgres/postgres.sh")
    subprocess.run([script, action], check=True, capture_output=True)
