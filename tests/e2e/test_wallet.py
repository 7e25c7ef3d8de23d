"""The wallet over HTTP: top-ups credit, and no race ever takes a balance below zero."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest

from schemas import catalogue
from schemas.payments import PaymentSucceeded
from schemas.wallet import WalletDebitRequested
from tests.e2e.test_accounts import PASSWORD, an_email, bearer, outcome, register
from tests.support.world import World

pytestmark = pytest.mark.e2e


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


async def test_a_top_up_credits_the_wallet(http: httpx.AsyncClient, stack_world: World) -> None:
    user, auth = await a_user(http)
    await top_up(stack_world, user, 5000)
    assert await until(lambda: _is(balance(http, auth), {"EUR": 5000}))
    page = (await http.get("/v1/wallet/transactions", headers=auth)).json()
    assert [(t["amount_minor"], t["reason"]) for t in page["items"]] == [(5000, "top_up")]


async def test_twenty_concurrent_debits_against_fifty_leave_exactly_five_and_zero(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool
) -> None:
    payer, auth = await a_user(http)
    payee, payee_auth = await a_user(http)
    await top_up(stack_world, payer, 5000)
    assert await until(lambda: _is(balance(http, auth), {"EUR": 5000}))

    transfers = [
        http.post(
            "/v1/wallet/transfers",
            headers=auth,
            json={"to_user_id": str(payee), "amount_minor": 1000, "currency": "EUR"},
        )
        for _ in range(10)
    ]
    purchases = [
        WalletDebitRequested(
            debit_id=uuid.uuid4(),
            user_id=payer,
            amount_minor=1000,
            currency="EUR",
            purpose="course_purchase",
            reference=uuid.uuid4(),
        )
        for _ in range(10)
    ]
    accepted, _ = await asyncio.gather(
        asyncio.gather(*transfers), stack_world.publish(purchases, actor="learning")
    )
    transfer_outcomes = [await outcome(http, a) for a in accepted]
    references = {str(p.reference) for p in purchases}

    async def purchase_outcomes() -> list[dict[str, Any]]:
        """The debit or the refusal of each purchase (both name the purchase's reference)."""
        found = []
        for spec in (catalogue.WALLET_DEBITED, catalogue.WALLET_DEBIT_REJECTED):
            for record in await stack_world.read_all(stack_world.names.physical(spec)):
                payload = json.loads(record.value)["payload"]
                if payload["reference"] in references:
                    found.append({"topic": spec.name, **payload})
        return found if len(found) == len(purchases) else []

    purchased = await until(purchase_outcomes, timeout=30)
    succeeded = [o for o in transfer_outcomes if o["status"] == "succeeded"]
    succeeded += [p for p in purchased if p["topic"] == "wallet.debited"]
    rejected = [o["reason"] for o in transfer_outcomes if o["status"] == "rejected"]
    rejected += [p["reason"] for p in purchased if p["topic"] == "wallet.debit_rejected"]

    assert len(succeeded) == 5
    assert rejected == ["insufficient funds"] * 15
    debits = await db.fetchval(
        "SELECT count(*) FROM wallet.ledger WHERE user_id = $1 AND amount_minor < 0", payer
    )
    assert debits == 5
    assert (
        await db.fetchval("SELECT sum(amount_minor) FROM wallet.ledger WHERE user_id = $1", payer)
        == 0
    )
    assert await until(lambda: _is(balance(http, auth), {"EUR": 0}))
    moved = 1000 * sum(o["status"] == "succeeded" for o in transfer_outcomes)
    if moved:
        assert await until(lambda: _is(balance(http, payee_auth), {"EUR": moved}))


async def test_a_transfer_to_yourself_is_refused(http: httpx.AsyncClient) -> None:
    user, auth = await a_user(http)
    answer = await http.post(
        "/v1/wallet/transfers",
        headers=auth,
        json={"to_user_id": str(user), "amount_minor": 100, "currency": "EUR"},
    )
    assert answer.status_code == 422
    assert answer.json()["type"] == "/problems/same_wallet"


async def test_the_wallet_needs_an_access_token(http: httpx.AsyncClient) -> None:
    assert (await http.get("/v1/wallet")).status_code == 401
    assert (await http.get("/v1/wallet/transactions")).status_code == 401


async def _is(value: Any, expected: Any) -> bool:
    return bool(await value == expected)
