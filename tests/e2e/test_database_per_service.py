"""Identity, the wallet and payments keep their state in databases of their own, on a second
Postgres cluster (see conftest.py): every journey of this suite crosses services that share
no database, and each learns what it needs of the others from events."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from azora.settings import Settings
from tests.e2e.conftest import ON_THE_SECOND_CLUSTER
from tests.e2e.helpers import a_top_up, a_user, balance, succeeded, until, webhook

pytestmark = pytest.mark.e2e

# Where each service keeps a user's state, and how to find the user's rows there.
OWN_ROWS = {
    "identity": "SELECT count(*) FROM identity.accounts WHERE user_id = $1",
    "wallet": "SELECT count(*) FROM wallet.ledger WHERE user_id = $1",
    "payments": "SELECT count(*) FROM payments.payments WHERE user_id = $1",
}


async def test_a_paying_users_account_money_and_payment_live_only_in_their_services_databases(
    http: httpx.AsyncClient,
    db: asyncpg.Pool,
    service_databases: dict[str, str],
    base_settings: Settings,
) -> None:
    user, auth = await a_user(http)
    _, intent = await a_top_up(http, auth, db, 1200)
    secret = base_settings.required_secret("stripe_webhook_secret")
    assert (await webhook(http, succeeded(intent, 1200), secret)).status_code == 200
    assert await until(lambda: _is(balance(http, auth), {"EUR": 1200}))

    for service, rows in OWN_ROWS.items():
        assert await _count(service_databases[service], rows, user) >= 1, service
        assert await db.fetchval(rows, user) == 0, service
    # The read side, on the first cluster, has them all from the events.
    assert await db.fetchval("SELECT count(*) FROM read.users WHERE user_id = $1", user) == 1
    assert await db.fetchval("SELECT count(*) FROM read.payments WHERE user_id = $1", user) == 1


async def test_each_services_database_holds_only_its_own_schema_and_the_consume_loops(
    service_databases: dict[str, str],
) -> None:
    for service, schema in ON_THE_SECOND_CLUSTER.items():
        schemas = await _fetch(
            service_databases[service],
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
            "AND nspname NOT IN ('information_schema', 'public') ORDER BY nspname",
        )
        assert [row["nspname"] for row in schemas] == sorted(["azora", schema]), service


async def test_the_second_cluster_is_another_server_than_the_first(
    service_databases: dict[str, str], db: asyncpg.Pool
) -> None:
    server = "SELECT inet_server_addr()::text || ':' || inet_server_port() AS server"
    first = await db.fetchval(server)
    for service, url in service_databases.items():
        (row,) = await _fetch(url, server)
        assert row["server"] != first, service


async def _count(url: str, query: str, user: uuid.UUID) -> int:
    conn = await asyncpg.connect(url)
    try:
        count: int = await conn.fetchval(query, user)
        return count
    finally:
        await conn.close()


async def _fetch(url: str, query: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return list(await conn.fetch(query))
    finally:
        await conn.close()


async def _is(value: Any, expected: Any) -> bool:
    return bool(await value == expected)
