"""Password hashes, read from identity's own schema: the one place they are kept.

No event carries a hash (a registration's travels sealed, for identity alone), so no read
model can hold one; checking a password reads identity's `credentials` table, in
identity's database, through a pool of its own (`IngressContext.identity_pool`).
"""

from __future__ import annotations

import uuid

import asyncpg

from producers.ingress.context import IngressContext
from producers.ingress.problems import Problem

PASSWORD_HASH = "SELECT password_hash FROM identity.credentials WHERE user_id = $1"

_UNAVAILABLE = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
)


def _unavailable(detail: str) -> Problem:
    return Problem(
        503,
        "database_unavailable",
        "The credentials are unavailable",
        detail,
        headers={"Retry-After": "2"},
    )


async def password_hash_of(ctx: IngressContext, user_id: uuid.UUID | None) -> str | None:
    """The user's password hash; None for no user or an account without a password."""
    if user_id is None:
        return None
    if ctx.identity_pool is None:
        raise _unavailable("identity's database has not been reached yet")
    try:
        found: str | None = await ctx.identity_pool.fetchval(PASSWORD_HASH, user_id)
    except _UNAVAILABLE as exc:
        raise _unavailable(str(exc)) from exc
    return found


async def password_matches(ctx: IngressContext, user_id: uuid.UUID | None, password: str) -> bool:
    """Whether `password` is the user's (a missing user or hash costs a hash all the same)."""
    return await ctx.passwords.verify(await password_hash_of(ctx, user_id), password)
