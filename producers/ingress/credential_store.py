"""Password hashes and TOTP secrets, read from identity's own schema: the one place they
are kept.

No event carries them (a registration's hash travels sealed for identity, on a topic kept a
day; `user.mfa_enabled.v2` carries no secret), so no read model can hold them; checking a
password or a code reads identity's `credentials` and `mfa` tables, in identity's
database, through a pool of its own (`IngressContext.identity_pool`). The TOTP secret stays
sealed there, as it travelled; the ingress opens it with `ctx.secrets`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import asyncpg

from producers.ingress.context import IngressContext
from producers.ingress.problems import Problem

SECRETS = """
SELECT c.password_hash, m.active_secret AS mfa_secret
FROM (SELECT $1::uuid AS user_id) AS u
LEFT JOIN identity.credentials c USING (user_id)
LEFT JOIN identity.mfa m USING (user_id)
"""

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


async def with_secrets(
    ctx: IngressContext, row: asyncpg.Record | Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """A read-model row of `read.credentials` with the user's `password_hash` (None for an
    account a provider created) and sealed `mfa_secret` (None while MFA is off), as
    identity keeps them; None for no row."""
    if row is None:
        return None
    user_id: uuid.UUID = row["user_id"]
    if ctx.identity_pool is None:
        raise _unavailable("identity's database has not been reached yet")
    try:
        found = await ctx.identity_pool.fetchrow(SECRETS, user_id)
    except _UNAVAILABLE as exc:
        raise _unavailable(str(exc)) from exc
    secrets = dict(found) if found else {"password_hash": None, "mfa_secret": None}
    return {**dict(row), **secrets}
