"""Erasing an account through the API: the user is forgotten by identity and every read
model, their sessions end, their money stays (under the pseudonymous id), and nobody else
is touched."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from tests.e2e.helpers import (
    PASSWORD,
    a_user,
    an_email,
    balance,
    bearer,
    login,
    outcome,
    register,
    top_up,
    until,
)
from tests.support.world import World

pytestmark = pytest.mark.e2e


async def a_user_with_email(http: httpx.AsyncClient) -> tuple[uuid.UUID, str, httpx.Response]:
    email = an_email()
    accepted = await register(http, email)
    assert (await outcome(http, accepted))["status"] == "succeeded"
    return uuid.UUID(accepted.json()["user_id"]), email, await login(http, email)


async def erase(http: httpx.AsyncClient, auth: dict[str, str], body: Any) -> httpx.Response:
    return await http.request("DELETE", "/v1/me", json=body, headers=auth)


async def test_an_erased_user_is_forgotten_and_their_money_stays_while_others_are_untouched(
    http: httpx.AsyncClient,
    stack_world: World,
    db: asyncpg.Pool,
    service_databases: dict[str, str],
) -> None:
    erased, email, tokens = await a_user_with_email(http)
    auth = bearer(tokens)
    kept, kept_auth = await a_user(http)
    await top_up(stack_world, erased, 700)
    await top_up(stack_world, kept, 300)
    assert await until(lambda: _is(balance(http, auth), {"EUR": 700}))
    assert await until(lambda: _is(balance(http, kept_auth), {"EUR": 300}))

    # Identity made the user's personal-data key with the account, in the vault (the
    # shared database: the deployment's key service).
    keys = "SELECT count(*) FROM azora.personal_keys WHERE user_id = $1"
    assert await db.fetchval(keys, erased) == 1

    accepted = await erase(http, auth, {"password": PASSWORD})
    assert accepted.status_code == 202, accepted.text
    settled = await outcome(http, accepted)
    assert settled["status"] == "succeeded", settled

    assert await until(lambda: _gone(http, auth))
    assert (await login(http, email)).status_code == 401
    refreshed = await http.post(
        "/v1/auth/refresh", json={"refresh_token": tokens.json()["refresh_token"]}
    )
    assert refreshed.status_code == 401
    for table in ("read.users", "read.credentials"):
        left = await db.fetchval(f"SELECT count(*) FROM {table} WHERE user_id = $1", erased)
        assert left == 0, table
    assert await db.fetchval("SELECT count(*) FROM read.users WHERE email = $1", email) == 0
    # Identity and the wallet keep their state in databases of their own (the e2e stack's
    # second cluster).
    identity = service_databases["identity"]
    for table in ("identity.accounts", "identity.credentials"):
        rows = f"SELECT count(*) FROM {table} WHERE user_id = $1"
        assert await _value(identity, rows, erased) == 0, table
    # The vault destroyed every version of the key and remembers the erasure (so no key
    # is ever made for the user again); the other user's key is untouched.
    erased_ids = "SELECT count(*) FROM azora.erased_users WHERE user_id = $1"
    assert (await db.fetchval(keys, erased), await db.fetchval(erased_ids, erased)) == (0, 1)
    assert await db.fetchval(keys, kept) == 1
    kept_account = "SELECT count(*) FROM identity.credentials WHERE user_id = $1"
    assert await _value(identity, kept_account, kept) == 1
    ledger = "SELECT sum(amount_minor) FROM wallet.ledger WHERE user_id = $1"
    assert await _value(service_databases["wallet"], ledger, erased) == 700, "money stays"
    assert (await http.get("/v1/me", headers=kept_auth)).status_code == 200
    assert await balance(http, kept_auth) == {"EUR": 300}


async def test_erasing_with_a_wrong_password_is_refused_and_the_account_stays(
    http: httpx.AsyncClient,
) -> None:
    _, auth = await a_user(http)

    refused = await erase(http, auth, {"password": "certainly not the passphrase"})

    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "/problems/reauthentication_failed"
    assert (await http.get("/v1/me", headers=auth)).status_code == 200


async def _value(url: str, query: str, user: uuid.UUID) -> Any:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(query, user)
    finally:
        await conn.close()


async def _is(answer: Any, expected: dict[str, int]) -> bool:
    return bool(await answer == expected)


async def _gone(http: httpx.AsyncClient, auth: dict[str, str]) -> bool:
    return (await http.get("/v1/me", headers=auth)).status_code == 404
