"""Checking who someone is: their credentials, their second factor, the login lockout.

Shared by sign-in (`accounts`) and by the re-authentication MFA changes need (`mfa`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import Request

from producers.ingress.context import IngressContext
from producers.ingress.credential_store import credentials_row
from producers.ingress.problems import Problem, documented
from producers.ingress.second_factor import (
    matching_step,
    recovery_hash,
)
from producers.ingress.throttle import LoginAttempt, LoginLocked
from schemas.api import (
    LoginRequest,
)
from schemas.credentials import UserMfaCodeUsed

# What login and re-authentication check: the password hash and TOTP secret, sealed for the
# ingress (`credential_store.with_secrets` opens them), the last TOTP step used and the
# recovery codes not spent yet (`user.mfa_code_used`, projected).
# `secrets_version` is the MFA version identity sealed them at, `mfa_version` the newest one
# the read model has seen: the login waits for secrets at least as new.
CREDENTIALS = """
SELECT c.user_id, c.email, c.last_totp_step, c.recovery_codes, c.mfa_version, u.roles,
       s.sealed AS sealed_secrets, s.version AS secrets_version
FROM read.credentials c JOIN read.users u USING (user_id)
LEFT JOIN read.credential_secrets s USING (user_id)
WHERE c.email = $1
"""
CREDENTIALS_OF = """
SELECT c.user_id, c.email, c.last_totp_step, c.recovery_codes, c.mfa_version,
       s.sealed AS sealed_secrets, s.version AS secrets_version
FROM read.credentials c LEFT JOIN read.credential_secrets s USING (user_id)
WHERE c.user_id = $1
"""
LOCKED_RESPONSE: dict[int | str, dict[str, Any]] = {
    429: documented("Too many failed attempts: locked for now (see Retry-After)")
}


def bad_credentials() -> Problem:
    """The 401 for a wrong email or password (never saying which)."""
    return Problem(
        401, "invalid_credentials", "Invalid credentials", "the email or password is wrong"
    )


def second_factor_used(
    ctx: IngressContext,
    row: Mapping[str, Any],
    totp_code: str | None,
    recovery_code: str | None,
) -> UserMfaCodeUsed | None:
    """The use of a valid, unused TOTP code or recovery code of `row`'s user, or None.

    Checked and marked used with no await between (see `second_factor`): two requests with
    one code in this process never both pass.
    """
    if not row["mfa_secret"]:
        return None
    now = time.time()
    used_at = datetime.fromtimestamp(now, UTC)
    if totp_code is not None:
        step = matching_step(row["mfa_secret"], totp_code, now)
        if step is None or not ctx.codes.take_step(row["user_id"], step, row["last_totp_step"]):
            return None
        return UserMfaCodeUsed(user_id=row["user_id"], totp_step=step, used_at=used_at)
    if recovery_code is not None:
        digest = recovery_hash(recovery_code)
        if not ctx.codes.take_recovery(row["user_id"], digest, row["recovery_codes"]):
            return None
        return UserMfaCodeUsed(user_id=row["user_id"], recovery_code_hash=digest, used_at=used_at)
    return None


def address_of(request: Request) -> str:
    """The client's address."""
    # The client's address as `client_address` establishes it: the peer, or behind a
    # trusted proxy (AZORA_TRUSTED_PROXIES) whom it forwarded, so a proxy in front does not
    # make everyone one address.
    return request.client.host if request.client else "unknown"


def login_attempt(ctx: IngressContext, email: str, request: Request) -> LoginAttempt:
    """A login attempt the lockout counts, or 429 while locked."""
    address = address_of(request)
    try:
        return ctx.logins.begin(email, address)
    except LoginLocked as locked:
        raise Problem(
            429,
            "login_locked",
            "Too many failed logins",
            f"too many failed logins for this account or from this address; try again in "
            f"{locked.retry_after_s} s",
            headers={"Retry-After": str(locked.retry_after_s)},
        ) from locked


async def verified_credentials(
    ctx: IngressContext, body: LoginRequest, attempt: LoginAttempt
) -> tuple[Mapping[str, Any], UserMfaCodeUsed | None]:
    """The credentials row for `body` and the second factor it used, or a 401 problem;
    wrong guesses count as failures."""
    row = await credentials_row(ctx, CREDENTIALS, body.email)
    if not await ctx.passwords.verify(row["password_hash"] if row else None, body.password):
        attempt.failed()
        raise bad_credentials()
    assert row is not None
    used = None
    if row["mfa_secret"]:
        if body.totp_code is None and body.recovery_code is None:
            # Not a guess: the password was right. Neither a failure nor a success.
            raise Problem(
                401,
                "mfa_required",
                "MFA code required",
                "this account has MFA on: send totp_code from your authenticator "
                "(or a recovery_code)",
            )
        used = second_factor_used(ctx, row, body.totp_code, body.recovery_code)
        if used is None:
            attempt.failed()
            raise Problem(
                401,
                "mfa_invalid",
                "Invalid MFA code",
                "the code is wrong, or was used already (each code works once)",
            )
    attempt.succeeded()
    return row, used
