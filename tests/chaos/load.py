"""A mixed load of commands across every flow, as frontends send them.

Every command carries an Idempotency-Key and is retried with the same key while the
platform cannot take it (503 while Kafka restarts, a dropped connection), exactly as a
careful client does; a command counts as accepted once it is answered 202.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

from tests.support import stripe_webhooks

PASSWORD = "correct horse battery staple"
RETRY_FOR_S = 180.0

# What a fresh connection can raise while Postgres restarts under it.
POSTGRES_RESTARTING = (
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)


class Refused(Exception):
    """The ingress refused a command for good (a 4xx): it was never accepted."""


@dataclass
class User:
    user_id: uuid.UUID
    email: str
    auth: dict[str, str]


@dataclass
class Tally:
    """What the load did: accepted commands by kind, retries, and confirmed money."""

    accepted: dict[uuid.UUID, str] = field(default_factory=dict)
    refused: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    top_ups_confirmed_minor: int = 0
    webhooks: int = 0


class Load:
    """Drives one stack: users, an instructor's courses, then a random mix of commands."""

    def __init__(self, http: httpx.AsyncClient, db_url: str, webhook_secret: str, seed: str):
        self.http = http
        self.db_url = db_url
        self.secret = webhook_secret
        self.rng = random.Random(seed)
        self.tally = Tally()
        self.users: list[User] = []
        self.courses: list[tuple[uuid.UUID, int, list[uuid.UUID]]] = []

    # --- sending -----------------------------------------------------------------------

    async def send(
        self, kind: str, path: str, body: dict[str, Any], auth: dict[str, str]
    ) -> dict[str, Any]:
        """POST a command until it is accepted (202) or refused (4xx); return the answer."""
        key = str(uuid.uuid4())
        answer = await self._until_answered(
            kind, "POST", path, json=body, headers={**auth, "Idempotency-Key": key}
        )
        if answer.status_code != 202:
            self.tally.refused[f"{kind} {answer.status_code}"] += 1
            raise Refused(f"{kind}: {answer.status_code} {answer.text[:300]}")
        accepted: dict[str, Any] = answer.json()
        self.tally.accepted[uuid.UUID(accepted["command_id"])] = kind
        return accepted

    async def _until_answered(
        self, what: str, method: str, path: str, **kwargs: Any
    ) -> httpx.Response:
        deadline = asyncio.get_running_loop().time() + RETRY_FOR_S
        delay = 0.2
        while True:
            try:
                answer = await self.http.request(method, path, **kwargs)
                if answer.status_code < 500 and answer.status_code != 429:
                    return answer
            except httpx.TransportError:
                pass
            self.tally.retries[what] += 1
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{what} {path}: not accepted within {RETRY_FOR_S}s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 3.0)

    async def wait_for(self, accepted: dict[str, Any]) -> str:
        """The final status of a command (waiting through outages)."""
        for _ in range(60):
            answer = await self._until_answered(
                "status", "GET", accepted["status_url"], params={"wait": 10}
            )
            if answer.status_code == 200 and answer.json()["status"] != "pending":
                return str(answer.json()["status"])
        raise AssertionError(f"command {accepted['command_id']} never settled")

    # --- setting up --------------------------------------------------------------------

    async def sign_up(self, count: int) -> None:
        async def one(i: int) -> None:
            email = f"chaos-{uuid.uuid4().hex[:10]}-{i}@example.org"
            accepted = await self.send(
                "register",
                "/v1/auth/register",
                {"email": email, "password": PASSWORD, "display_name": f"Chaos {i}"},
                {},
            )
            assert await self.wait_for(accepted) == "succeeded"
            tokens = await self._until_answered(
                "login", "POST", "/v1/auth/login", json={"email": email, "password": PASSWORD}
            )
            assert tokens.status_code == 200, tokens.text
            auth = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
            self.users.append(User(uuid.UUID(accepted["user_id"]), email, auth))

        await asyncio.gather(*(one(i) for i in range(count)))

    async def publish_courses(self, instructor: dict[str, str], prices: list[int]) -> None:
        for n, price in enumerate(prices):
            accepted = await self.send(
                "course",
                "/v1/courses",
                {
                    "title": f"Chaos course {n}",
                    "description": "Logs, offsets and consumer groups under fire.",
                    "category": "engineering",
                    "level": "beginner",
                    "price_minor": price,
                    "currency": "EUR",
                    "modules": [
                        {
                            "title": "Basics",
                            "lessons": [
                                {"title": "Logs", "content": "An ordered, append-only file."},
                                {"title": "Offsets", "content": "A position in a partition."},
                            ],
                        }
                    ],
                },
                instructor,
            )
            assert await self.wait_for(accepted) == "succeeded"
            course_id = uuid.UUID(accepted["course_id"])
            course = await self._until_answered("course", "GET", f"/v1/courses/{course_id}")
            lessons = [
                uuid.UUID(lesson["lesson_id"])
                for module in course.json()["modules"]
                for lesson in module["lessons"]
            ]
            self.courses.append((course_id, price, lessons))

    # --- the mix -----------------------------------------------------------------------

    async def run(
        self,
        commands: int,
        workers: int,
        on_progress: Any,
        keep_going: Callable[[], bool] = lambda: False,
    ) -> None:
        """Send commands from `workers` concurrent clients until `commands` are accepted,
        and for as long after as `keep_going()` says (while the storm still rages).

        Some are refused for good along the way (a transfer to oneself: 422), so counting
        what was sent would leave the run short of its accepted commands now and then.
        """
        sent = 0

        async def worker() -> None:
            nonlocal sent
            # The cap only stops a run where nearly everything is refused (a broken stack).
            while (len(self.tally.accepted) < commands or keep_going()) and (
                sent < 2 * commands or len(self.tally.accepted) > sent // 2
            ):
                sent += 1
                await self.one_command()
                on_progress(len(self.tally.accepted))

        await asyncio.gather(*(worker() for _ in range(workers)))

    async def one_command(self) -> None:
        user = self.rng.choice(self.users)
        roll = self.rng.random()
        try:
            if roll < 0.12:
                await self.top_up(user)
            elif roll < 0.50:
                other = self.rng.choice(self.users)
                await self.send(
                    "transfer",
                    "/v1/wallet/transfers",
                    {
                        "to_user_id": str(other.user_id),
                        "amount_minor": self.rng.randint(100, 2_000),
                        "currency": "EUR",
                    },
                    user.auth,
                )
            elif roll < 0.65:
                course_id, _, _ = self.rng.choice(self.courses)
                await self.send(
                    "enrol", "/v1/enrollments", {"course_id": str(course_id)}, user.auth
                )
            elif roll < 0.75:
                course_id, _, lessons = self.rng.choice(self.courses)
                await self.send(
                    "progress",
                    "/v1/progress",
                    {"course_id": str(course_id), "lesson_id": str(self.rng.choice(lessons))},
                    user.auth,
                )
            elif roll < 0.92:
                await self.send(
                    "question",
                    "/v1/tutor/questions",
                    {"question": "What is a consumer group?"},
                    user.auth,
                )
            else:
                await self.send(
                    "path",
                    "/v1/learning-paths",
                    {"subject": "Kafka", "level": "beginner", "goals": ["run a cluster"]},
                    user.auth,
                )
        except Refused:
            pass

    async def top_up(self, user: User) -> None:
        """Ask for a top-up; once Stripe holds the intent, confirm it as Stripe would."""
        amount = self.rng.randint(1_000, 5_000)
        accepted = await self.send(
            "top_up",
            "/v1/payments",
            {"amount_minor": amount, "currency": "EUR", "purpose": "wallet_top_up"},
            user.auth,
        )
        if await self.wait_for(accepted) != "succeeded":
            return
        intent = await self._intent(uuid.UUID(accepted["payment_id"]))
        body = stripe_webhooks.event(
            "payment_intent.succeeded",
            {
                "id": intent,
                "object": "payment_intent",
                "amount": amount,
                "currency": "eur",
                "status": "succeeded",
            },
        )
        answer = await self._until_answered(
            "webhook",
            "POST",
            "/v1/webhooks/stripe",
            content=body,
            headers={
                "Stripe-Signature": stripe_webhooks.signature(body, self.secret),
                "Content-Type": "application/json",
            },
        )
        assert answer.status_code == 200, answer.text
        self.tally.webhooks += 1
        self.tally.top_ups_confirmed_minor += amount

    async def _intent(self, payment_id: uuid.UUID) -> str:
        for _ in range(600):
            try:
                conn = await asyncpg.connect(self.db_url)
                try:
                    intent = await conn.fetchval(
                        "SELECT stripe_payment_intent_id FROM read.payments WHERE payment_id = $1",
                        payment_id,
                    )
                finally:
                    await conn.close()
                if intent:
                    return str(intent)
            except POSTGRES_RESTARTING:
                pass
            await asyncio.sleep(0.3)
        raise AssertionError(f"payment {payment_id} never got a PaymentIntent")
