"""Reads of the read models (the ingress writes nothing to Postgres)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from producers.ingress.context import IngressContext
from producers.ingress.problems import Problem

# Errors that mean Postgres is not answering (as opposed to a bad query).
UNAVAILABLE = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
)


def _unavailable(detail: str) -> Problem:
    return Problem(
        503,
        "database_unavailable",
        "The read models are unavailable",
        detail,
        headers={"Retry-After": "2"},
    )


def pool_of(ctx: IngressContext) -> asyncpg.Pool:
    """The read-model pool, or a 503 while Postgres has not been reached yet."""
    if ctx.pool is None:
        raise _unavailable("Postgres has not been reached yet")
    return ctx.pool


async def fetch_one(ctx: IngressContext, sql: str, *args: Any) -> asyncpg.Record | None:
    """One row of a read model; 503 with Retry-After when Postgres does not answer."""
    try:
        row: asyncpg.Record | None = await pool_of(ctx).fetchrow(sql, *args)
    except UNAVAILABLE as exc:
        raise _unavailable(str(exc)) from exc
    return row


async def fetch_all(ctx: IngressContext, sql: str, *args: Any) -> list[asyncpg.Record]:
    """Rows of a read model; 503 with Retry-After when Postgres does not answer."""
    try:
        rows: list[asyncpg.Record] = await pool_of(ctx).fetch(sql, *args)
    except UNAVAILABLE as exc:
        raise _unavailable(str(exc)) from exc
    return rows


COMMAND = """
SELECT command_id, status, reason, settled_by, settled_ids, fingerprint FROM read.command_status
WHERE command_id = $1
"""
USER = "SELECT user_id, email, display_name, roles, mfa_enabled FROM read.users WHERE user_id = $1"
SESSION = "SELECT generation, revoked_at FROM read.sessions WHERE session_id = $1"
ERASED = "SELECT erased_at FROM read.erased_users WHERE user_id = $1"


async def command(ctx: IngressContext, command_id: uuid.UUID) -> asyncpg.Record | None:
    """A command's recorded status."""
    return await fetch_one(ctx, COMMAND, command_id)
