"""Password hashes and TOTP secrets as the ingress checks them: sealed by identity for the
ingress alone, kept as they came by the users projection.

Identity keeps each account's hash and active TOTP secret in its own schema, and publishes
them sealed for the ingress's read side (`azora.credential_sealing`, on the compacted
`user.credentials_set`); the projection stores the sealed value in
`read.credential_secrets`, and the queries that read `read.credentials` join it as
`sealed_secrets`. Only here is it opened, to check one login: the ingress reads no other
service's tables, and neither the log nor the read model holds a hash or secret in clear.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from typing import Any

import asyncpg

from azora.credential_sealing import CredentialsSealError, open_credentials
from producers.ingress import queries
from producers.ingress.context import IngressContext
from producers.ingress.problems import Problem

# Identity publishes an account's secrets with the fact that settles its registration, on
# another topic: the projection may apply the fact a moment first. A login that finds the
# account but not yet its secrets looks again, a bounded number of times, before it is
# answered as a wrong password would be.
SECRETS_WAIT_S = 5.0
SECRETS_POLL_S = 0.05


async def credentials_row(ctx: IngressContext, query: str, *args: Any) -> dict[str, Any] | None:
    """The `read.credentials` row `query` finds (it selects `sealed_secrets`), with its
    secrets opened (`with_secrets`); None for no row."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SECRETS_WAIT_S
    row = await queries.fetch_one(ctx, query, *args)
    while row is not None and row["sealed_secrets"] is None and loop.time() < deadline:
        await asyncio.sleep(SECRETS_POLL_S)
        row = await queries.fetch_one(ctx, query, *args)
    return with_secrets(ctx, row)


def with_secrets(
    ctx: IngressContext, row: asyncpg.Record | Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """A read-model row of `read.credentials` with the user's `password_hash` (None for an
    account a provider created) and clear TOTP `mfa_secret` (None while MFA is off),
    opened from its `sealed_secrets`; None for no row.

    A row whose secrets have not arrived yet has neither (a login then fails as a wrong
    password would, until identity's value is projected).
    """
    if row is None:
        return None
    found = dict(row)
    sealed = found.pop("sealed_secrets", None)
    user_id: uuid.UUID = found["user_id"]
    if sealed is None:
        return {**found, "password_hash": None, "mfa_secret": None}
    try:
        secrets = open_credentials(ctx.credentials_box, user_id, sealed)
    except CredentialsSealError as exc:
        # Another deployment's key, or a value moved onto another user's row: nobody can
        # sign in with it, and the operator must hear of it.
        raise Problem(
            503,
            "credentials_unreadable",
            "The credentials are unreadable",
            "this account's credentials do not open with this deployment's key",
        ) from exc
    return {**found, "password_hash": secrets.password_hash, "mfa_secret": secrets.totp_secret}
