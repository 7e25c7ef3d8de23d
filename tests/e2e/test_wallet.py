"""The wallet over HTTP: top-ups credit, and no race ever takes a balance below zero."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from stack.client import AsyncAzoraClient, calls
from tests.e2e.helpers import (
    a_course,
    a_user,
    an_instructor,
    balance,
    known_to_the_wallet,
    outcome,
    top_up,
    until,
)
from tests.support.world import World

pytestmark = pytest.mark.e2e


async def test_a_top_up_credits_the_wallet(http: httpx.AsyncClient, stack_world: World) -> None:
    user, auth = await a_user(http)
    await top_up(stack_world, user, 5000)
    assert await until(lambda: _is(balance(http, auth), {"EUR": 5000}))
    page = (await http.get("/v1/wallet/transactions", headers=auth)).json()
    assert [(t["amount_minor"], t["reason"]) for t in page["items"]] == [(5000, "top_up")]


async def test_twenty_concurrent_debits_against_fifty_leave_exactly_five_and_zero(
    http: httpx.AsyncClient,
    stack: str,
    stack_world: World,
    db: asyncpg.Pool,
    wallet_db: asyncpg.Pool,
) -> None:
    instructor = await an_instructor(http, stack_world, db)
    course_ids = []
    for n in range(10):
        accepted = await http.post(
            "/v1/courses",
            headers=instructor,
            json=a_course(f"Ten euro course {n}", price_minor=1000),
        )
        assert (await outcome(http, accepted))["status"] == "succeeded"
        course_ids.append(accepted.json()["course_id"])
    payer, auth = await a_user(http)
    payee, payee_auth = await a_user(http)
    assert await known_to_the_wallet(wallet_db, payee)
    await top_up(stack_world, payer, 5000)
    assert await until(lambda: _is(balance(http, auth), {"EUR": 5000}))

    async with AsyncAzoraClient(stack, token=auth["Authorization"].split()[1]) as azora:
        accepted = await asyncio.gather(
            *(azora.transfer(payee, 1000, "EUR") for _ in range(10)),
            *(azora.run(calls.enrol(course_id, "wallet", None)) for course_id in course_ids),
        )
        settled = await asyncio.gather(*(azora.wait(a, seconds=20) for a in accepted))

    succeeded = [s for s in settled if s.status == "succeeded"]
    rejected = [s.reason for s in settled if s.status == "rejected"]
    assert len(succeeded) == 5
    assert rejected == ["insufficient funds"] * 15
    debits = await wallet_db.fetchval(
        "SELECT count(*) FROM wallet.ledger WHERE user_id = $1 AND amount_minor < 0", payer
    )
    assert debits == 5
    assert (
        await wallet_db.fetchval(
            "SELECT sum(amount_minor) FROM wallet.ledger WHERE user_id = $1", payer
        )
        == 0
    )
    assert await until(lambda: _is(balance(http, auth), {"EUR": 0}))
    moved = 1000 * sum(s.status == "succeeded" for s in settled[:10])
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


async def test_a_transfer_to_an_unknown_user_is_rejected_with_a_reason_and_nothing_moves(
    http: httpx.AsyncClient, stack_world: World, wallet_db: asyncpg.Pool
) -> None:
    payer, auth = await a_user(http)
    await top_up(stack_world, payer, 5000)
    assert await until(lambda: _is(balance(http, auth), {"EUR": 5000}))
    nobody = uuid.uuid4()

    accepted = await http.post(
        "/v1/wallet/transfers",
        headers=auth,
        json={"to_user_id": str(nobody), "amount_minor": 3000, "currency": "EUR"},
    )
    assert accepted.status_code == 202
    settled = await outcome(http, accepted)
    assert settled["status"] == "rejected"
    assert settled["reason"] == "unknown recipient: no user has this id"
    assert await balance(http, auth) == {"EUR": 5000}
    entries = "SELECT count(*) FROM wallet.ledger WHERE user_id = $1"
    assert not await wallet_db.fetchval(entries, nobody)
    assert (
        await wallet_db.fetchval(
            "SELECT sum(amount_minor) FROM wallet.ledger WHERE user_id = $1", payer
        )
        == await wallet_db.fetchval(
            "SELECT balance_minor FROM wallet.balances WHERE user_id = $1 AND currency = 'EUR'",
            payer,
        )
        == 5000
    )


async def test_a_transfer_to_a_registered_user_goes_through(
    http: httpx.AsyncClient, stack_world: World, wallet_db: asyncpg.Pool
) -> None:
    payer, auth = await a_user(http)
    payee, payee_auth = await a_user(http)
    assert await known_to_the_wallet(wallet_db, payee)
    await top_up(stack_world, payer, 2000)
    assert await until(lambda: _is(balance(http, auth), {"EUR": 2000}))
    accepted = await http.post(
        "/v1/wallet/transfers",
        headers=auth,
        json={"to_user_id": str(payee), "amount_minor": 1500, "currency": "EUR"},
    )
    assert (await outcome(http, accepted))["status"] == "succeeded"
    assert await until(lambda: _is(balance(http, payee_auth), {"EUR": 1500}))
