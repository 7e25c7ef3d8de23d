"""The users projection writes a large batch as chunks of one statement: on real Postgres
the rows are exactly the plain statement's, and a chunk that fails takes the whole batch
back with it."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from azora import db as azora_db
from azora.chunked import CHUNK_ROWS
from azora.consume.unit_of_work import UnitOfWork
from azora.settings import Settings
from azora.topics import TopicNames
from consumers.projections.users import INSERT_USERS, NewUser, insert_users, user_columns

pytestmark = pytest.mark.integration

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
ROW_COLUMNS = "user_id, email, display_name, roles, registered_at"


def registrations(count: int) -> list[NewUser]:
    run = secrets.token_hex(4)
    return [
        NewUser(
            uuid.uuid4(),
            f"chunk-{run}-{i}@example.org",
            f"User {i}",
            ("learner",),
            T0 + timedelta(seconds=i),
        )
        for i in range(count)
    ]


async def rows_of(conn: Any, users: list[NewUser]) -> list[Any]:
    ids = [u.user_id for u in users]
    profiles = await conn.fetch(
        f"SELECT {ROW_COLUMNS} FROM users WHERE user_id = ANY($1) ORDER BY user_id", ids
    )
    credentials = await conn.fetch(
        "SELECT user_id, email FROM credentials WHERE user_id = ANY($1) ORDER BY user_id", ids
    )
    return [tuple(r) for r in profiles] + [tuple(r) for r in credentials]


async def test_a_batch_of_many_chunks_writes_what_the_plain_statement_writes(
    base_settings: Settings,
) -> None:
    users = registrations(4 * CHUNK_ROWS + 3)
    # A repeat of the first user, in the last chunk, with other details: the first stays.
    repeat = users[0]._replace(display_name="Someone else", email=users[1].email + ".x")
    erased = users[CHUNK_ROWS + 1]
    batch = [*users, repeat]
    pool = await azora_db.create_pool(base_settings.database_url, max_size=1)
    try:
        async with pool.acquire() as conn:
            await conn.execute(
                "INSERT INTO erased_users (user_id, erased_at) VALUES ($1, $2)",
                erased.user_id,
                T0,
            )
            plain_tx = conn.transaction()
            await plain_tx.start()
            await conn.execute(INSERT_USERS, *user_columns(batch))
            plain = await rows_of(conn, users)
            await plain_tx.rollback()

            async with conn.transaction():
                await insert_users(UnitOfWork(conn, "projections", TopicNames()), batch)
            chunked = await rows_of(conn, users)
    finally:
        await pool.close()

    assert chunked == plain
    assert len(chunked) == 2 * (len(users) - 1)  # each user once in both tables, but the erased
    assert erased.user_id not in {row[0] for row in chunked}


async def test_a_failing_chunk_takes_the_whole_batch_back(
    base_settings: Settings, db: asyncpg.Pool
) -> None:
    users = registrations(3 * CHUNK_ROWS)
    broken = users[2 * CHUNK_ROWS + 5]._replace(email=None)  # the third chunk breaks
    batch: list[Any] = [*users[: 2 * CHUNK_ROWS + 5], broken, *users[2 * CHUNK_ROWS + 6 :]]
    pool = await azora_db.create_pool(base_settings.database_url, max_size=1)
    try:
        async with pool.acquire() as conn:
            with pytest.raises(asyncpg.NotNullViolationError):
                async with conn.transaction():
                    await insert_users(UnitOfWork(conn, "projections", TopicNames()), batch)
    finally:
        await pool.close()

    ids = [u.user_id for u in users]
    assert await db.fetchval("SELECT count(*) FROM read.users WHERE user_id = ANY($1)", ids) == 0
