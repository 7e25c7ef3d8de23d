"""What the e2e tests share: users, courses, money, and waiting for eventual reads."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx

from schemas.payments import PaymentSucceeded
from tests.support import stripe_webhooks
from tests.support.world import World

PASSWORD = "correct horse battery staple"


async def a_user(http: httpx.AsyncClient) -> tuple[uuid.UUID, dict[str, str]]:
    email = an_email()
    accepted = await register(http, email)
    assert (await outcome(http, accepted))["status"] == "succeeded"
    tokens = await http.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
    return uuid.UUID(accepted.json()["user_id"]), bearer(tokens)


async def top_up(world: World, user_id: uuid.UUID, amount_minor: int) -> None:
    """What the payments service publishes when Stripe confirms a top-up."""
    await world.publish(
        [
            PaymentSucceeded(
                payment_id=uuid.uuid4(),
                user_id=user_id,
                amount_minor=amount_minor,
                currency="EUR",
                purpose="wallet_top_up",
                succeeded_at=datetime.now(UTC),
            )
        ],
        actor="payments",
    )


async def balance(http: httpx.AsyncClient, auth: dict[str, str]) -> dict[str, int]:
    answer = await http.get("/v1/wallet", headers=auth)
    assert answer.status_code == 200
    return {b["currency"]: b["balance_minor"] for b in answer.json()["balances"]}


async def until(check: Any, timeout: float = 20.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(0.1)


def a_course(title: str, **overrides: Any) -> dict[str, Any]:
    return {
        "title": title,
        "description": "From first principles to a working event pipeline.",
        "category": "engineering",
        "level": "beginner",
        "price_minor": 3000,
        "currency": "EUR",
        "modules": [
            {
                "title": "Logs",
                "lessons": [
                    {"title": "What a log is", "content": "An ordered…"},
                    {"title": "Offsets", "content": "A position…"},
                ],
            },
            {"title": "Consumers", "lessons": [{"title": "Groups", "content": "Members…"}]},
        ],
        **overrides,
    }


def grant(world: World, user_id: str, role: str, timeout: float = 300) -> None:
    """`azora grant-role`, in the stack's topic namespace.

    A generous deadline: a CLI process starts slowly on a busy two-core machine (60 s ran
    out in a full run; the browser tests' grant already allows 240 s).
    """
    env = {
        **os.environ,
        "AZORA_TOPIC_PREFIX": world.settings.topic_prefix,
        "AZORA_KAFKA_BOOTSTRAP_SERVERS": world.settings.kafka_bootstrap_servers,
    }
    done = subprocess.run(
        [sys.executable, "-m", "stack", "grant-role", user_id, role],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr


async def an_instructor(http: httpx.AsyncClient, world: World, db: asyncpg.Pool) -> dict[str, str]:
    email = an_email()
    accepted = await register(http, email)
    assert (await outcome(http, accepted))["status"] == "succeeded"
    user_id = accepted.json()["user_id"]
    grant(world, user_id, "instructor")

    async def has_role() -> bool:
        roles = await db.fetchval(
            "SELECT roles FROM read.users WHERE user_id = $1", uuid.UUID(user_id)
        )
        return "instructor" in (roles or [])

    assert await until(has_role)
    tokens = await http.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
    return bearer(tokens)


def an_email() -> str:
    return f"e2e-{uuid.uuid4().hex[:12]}@example.org"


async def register(http: httpx.AsyncClient, email: str, **headers: str) -> httpx.Response:
    return await http.post(
        "/v1/auth/register",
        json={"email": email, "password": PASSWORD, "display_name": "Grace"},
        headers=headers,
    )


async def outcome(http: httpx.AsyncClient, accepted: httpx.Response) -> dict[str, Any]:
    answer = await http.get(accepted.json()["status_url"], params={"wait": 10})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def login(http: httpx.AsyncClient, email: str, **extra: str) -> httpx.Response:
    return await http.post("/v1/auth/login", json={"email": email, "password": PASSWORD, **extra})


def bearer(tokens: httpx.Response) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.json()['access_token']}"}


async def a_top_up(
    http: httpx.AsyncClient, auth: dict[str, str], db: asyncpg.Pool, amount: int
) -> tuple[str, str]:
    """Start a top-up; return its payment id and Stripe PaymentIntent id."""
    accepted = await http.post(
        "/v1/payments",
        headers=auth,
        json={"amount_minor": amount, "currency": "EUR", "purpose": "wallet_top_up"},
    )
    assert accepted.status_code == 202
    settled = await http.get(accepted.json()["status_url"], params={"wait": 10})
    assert settled.json()["status"] == "succeeded", settled.json()
    payment_id = accepted.json()["payment_id"]
    intent = await db.fetchval(
        "SELECT stripe_payment_intent_id FROM read.payments WHERE payment_id = $1",
        uuid.UUID(payment_id),
    )
    return payment_id, intent


async def webhook(
    http: httpx.AsyncClient, body: bytes, secret: str, timestamp: int | None = None
) -> httpx.Response:
    return await http.post(
        "/v1/webhooks/stripe",
        content=body,
        headers={
            "Stripe-Signature": stripe_webhooks.signature(body, secret, timestamp),
            "Content-Type": "application/json",
        },
    )


def succeeded(intent: str, amount: int, event_id: str | None = None) -> bytes:
    return stripe_webhooks.event(
        "payment_intent.succeeded",
        {
            "id": intent,
            "object": "payment_intent",
            "amount": amount,
            "currency": "eur",
            "status": "succeeded",
        },
        event_id,
    )


async def card_intent(db: asyncpg.Pool, payment_id: str) -> str:
    """The Stripe PaymentIntent behind a payment, once Stripe (stripe-mock) holds it."""

    async def found() -> str | None:
        intent: str | None = await db.fetchval(
            "SELECT stripe_payment_intent_id FROM read.payments WHERE payment_id = $1",
            uuid.UUID(payment_id),
        )
        return intent

    intent: str = await until(found)
    assert intent, f"no PaymentIntent for payment {payment_id}"
    return intent


async def a_published_course(
    http: httpx.AsyncClient, world: World, db: asyncpg.Pool, **overrides: Any
) -> tuple[str, dict[str, str]]:
    """A course a new instructor published: its id, and the instructor's auth."""
    instructor = await an_instructor(http, world, db)
    accepted = await http.post(
        "/v1/courses",
        headers=instructor,
        json=a_course(f"Course {uuid.uuid4().hex[:8]}", **overrides),
    )
    assert (await outcome(http, accepted))["status"] == "succeeded"
    return accepted.json()["course_id"], instructor


async def an_enrolled_learner(
    http: httpx.AsyncClient, world: World, course_id: str, price_minor: int
) -> tuple[uuid.UUID, dict[str, str]]:
    """A new user who bought `course_id` from their wallet."""
    user_id, auth = await a_user(http)
    await top_up(world, user_id, price_minor)

    async def funded() -> bool:
        return (await balance(http, auth)).get("EUR", 0) >= price_minor

    assert await until(funded)
    accepted = await http.post(
        "/v1/enrollments", headers=auth, json={"course_id": course_id, "pay_with": "wallet"}
    )
    assert accepted.status_code == 202, accepted.text
    assert (await outcome(http, accepted))["status"] == "succeeded"
    return user_id, auth


async def an_admin(http: httpx.AsyncClient, world: World, db: asyncpg.Pool) -> dict[str, str]:
    """A new user granted the admin role, logged in after the grant."""
    email = an_email()
    accepted = await register(http, email)
    assert (await outcome(http, accepted))["status"] == "succeeded"
    grant(world, accepted.json()["user_id"], "admin")

    async def has_role() -> bool:
        roles = await db.fetchval(
            "SELECT roles FROM read.users WHERE user_id = $1", uuid.UUID(accepted.json()["user_id"])
        )
        return "admin" in (roles or [])

    assert await until(has_role)
    return bearer(await login(http, email))


async def known_to_the_wallet(db: asyncpg.Pool, user_id: uuid.UUID) -> bool:
    """Wait until the wallet has seen `user_id` registered (it learns it from the log, so a
    transfer sent in the same instant as the registration may find it unknown yet)."""

    async def known() -> bool:
        found: bool = await db.fetchval(
            "SELECT EXISTS (SELECT 1 FROM wallet.users WHERE user_id = $1)", user_id
        )
        return found

    return bool(await until(known))
