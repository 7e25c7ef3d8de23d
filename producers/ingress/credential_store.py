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
import logging
import uuid
from collections.abc import Mapping
from typing import Any

import asyncpg

from azora.credential_sealing import CredentialsSealError, open_credentials
from producers.ingress import queries
from producers.ingress.context import IngressContext
from producers.ingress.problems import Problem

log = logging.getLogger(__name__)

# Identity publishes an account's secrets with the fact that settles its registration or
# MFA change, on another topic: the projection may apply the fact a moment first. A check
# that finds the account without its secrets, or with secrets older than the MFA state
# the read model shows, looks again, a bounded number of times, and then refuses (503):
# never a login checked against a TOTP secret it should have had.
SECRETS_WAIT_S = 5.0
SECRETS_POLL_S = 0.05


def _current(row: asyncpg.Record | Mapping[str, Any]) -> bool:
    """Whether the row's sealed secrets are there and no older than its MFA state."""
    sealed_version = row["secrets_version"]
    return sealed_version is not None and sealed_version >= row["mfa_version"]


async def credentials_row(ctx: IngressContext, query: str, *args: Any) -> dict[str, Any] | None:
    """The `read.credentials` row `query` finds (with `sealed_secrets`, `secrets_version`
    and `mfa_version`), its secrets opened (`with_secrets`); None for no row."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SECRETS_WAIT_S
    row = await queries.fetch_one(ctx, query, *args)
    while row is not None and not _current(row) and loop.time() < deadline:
        await asyncio.sleep(SECRETS_POLL_S)
        row = await queries.fetch_one(ctx, query, *args)
    if row is not None and not _current(row):
        raise Problem(
            503,
            "credentials_updating",
            "The credentials are being updated",
            "this account's credentials have changed and are not readable yet; try again",
            headers={"Retry-After": "2"},
        )
    return with_secrets(ctx, row)


def with_secrets(
    ctx: IngressContext, row: asyncpg.Record | Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """A read-model row of `read.credentials` with the user's `password_hash` (None for an
    account a provider created) and clear TOTP `mfa_secret` (None while MFA is off),
    opened from its `sealed_secrets`; None for no row.

    (`credentials_row` only hands over rows whose secrets have arrived.)
    """
    if row is None:
        return None
    found = dict(row)
    sealed: str = found.pop("sealed_secrets")
    user_id: uuid.UUID = found["user_id"]
    try:
        secrets = open_credentials(ctx.credentials_box, user_id, sealed)
    except CredentialsSealError as exc:
        # Sealed with another AZORA_SECRET_KEY (changed, or another deployment's), or moved
        # onto another user's row: nobody may sign in with it. The person hears what a
        # wrong password gets (nothing about the account); the operator hears why.
        log.error("login secrets of user %s do not open: %s", user_id, exc)
        raise Problem(
            401, "invalid_credentials", "Invalid credentials", "the email or password is wrong"
        ) from exc
    return {**found, "password_hash": secrets.password_hash, "mfa_secret": secrets.totp_secret}
