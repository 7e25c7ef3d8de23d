"""MFA endpoints: set up or replace an authenticator, turn MFA on, turn it off.

While MFA is on, changing it needs the password or a current code, so a stolen access
token alone cannot take the account over.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pyotp
from fastapi import APIRouter, Request, Response

from producers.ingress import queries
from producers.ingress.auth import Ctx, CurrentUser
from producers.ingress.commands import IdempotencyKey, accepted, publish_fact, submit
from producers.ingress.context import IngressContext
from producers.ingress.credential_store import credentials_row
from producers.ingress.credentials import (
    CREDENTIALS_OF,
    LOCKED_RESPONSE,
    login_attempt,
    second_factor_used,
)
from producers.ingress.problems import PROBLEM_RESPONSES, Problem, documented
from producers.ingress.reauthentication import first_factor_proven, reauthenticated_by_provider
from producers.ingress.second_factor import (
    recovery_codes,
    recovery_hash,
)
from schemas.api import (
    Accepted,
    MfaDisableRequest,
    MfaSetup,
    MfaSetupRequest,
    MfaVerifyAccepted,
    MfaVerifyRequest,
)
from schemas.credentials import (
    UserMfaDisableRequested,
    UserMfaEnableRequested,
    UserMfaSetupRequested,
)

router = APIRouter(prefix="/v1", tags=["accounts"], responses=PROBLEM_RESPONSES)


@router.post(
    "/auth/mfa/setup",
    response_model=MfaSetup,
    responses={
        403: documented("MFA is on: send the password or a current code (or they were wrong)"),
        **LOCKED_RESPONSE,
    },
)
async def mfa_setup(
    user: CurrentUser, ctx: Ctx, request: Request, body: MfaSetupRequest | None = None
) -> MfaSetup:
    """A new TOTP secret; MFA turns on once /v1/auth/mfa/verify gets a matching code.

    With MFA already on, this starts replacing the authenticator: it needs the password or
    a current code, so a stolen access token alone cannot.
    """
    await _changing_mfa(
        ctx,
        request,
        user.user_id,
        body.password if body else None,
        body.totp_code if body else None,
        body.reauthentication_token if body else None,
    )
    secret = pyotp.random_base32()
    profile = await queries.fetch_one(ctx, queries.USER, user.user_id)
    name = profile["email"] if profile else str(user.user_id)
    await publish_fact(
        ctx,
        UserMfaSetupRequested(user_id=user.user_id, secret_ciphertext=ctx.secrets.seal(secret)),
        actor=str(user.user_id),
    )
    return MfaSetup(
        secret=secret,
        otpauth_uri=pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name="Azora"),
    )


@router.post(
    "/auth/mfa/verify",
    status_code=202,
    response_model=MfaVerifyAccepted,
    responses={
        403: documented("MFA is on: send the password or a current code (or they were wrong)"),
        **LOCKED_RESPONSE,
    },
)
async def mfa_verify(
    body: MfaVerifyRequest,
    user: CurrentUser,
    ctx: Ctx,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, object]:
    """Turn MFA on if the code matches the secret from /v1/auth/mfa/setup.

    Answers the ten recovery codes, shown this once: each works once in place of a TOTP
    code, from when the command succeeds. Replacing an authenticator (MFA already on) needs
    the password or a current code of the old one.
    """
    reauthenticated = await _changing_mfa(
        ctx, request, user.user_id, body.password, body.totp_code, body.reauthentication_token
    )
    submitted_at = datetime.now(UTC)
    key = ctx.settings.required_secret("secret_key")

    async def build(command_id: uuid.UUID) -> UserMfaEnableRequested:
        return UserMfaEnableRequested(
            user_id=user.user_id,
            code=body.code,
            submitted_at=submitted_at,
            reauthenticated=reauthenticated,
            recovery_code_hashes=tuple(recovery_hash(c) for c in recovery_codes(key, command_id)),
        )

    command_id = await submit(
        ctx,
        route="mfa.verify",
        actor=str(user.user_id),
        request=body,
        idempotency_key=idempotency_key,
        build=build,
    )
    return accepted(response, command_id, recovery_codes=recovery_codes(key, command_id))


@router.post(
    "/auth/mfa/disable",
    status_code=202,
    response_model=Accepted,
    responses={
        403: documented("The password, or the code, is wrong (or the code was used already)"),
        409: documented("MFA is not on"),
        **LOCKED_RESPONSE,
    },
)
async def mfa_disable(
    body: MfaDisableRequest,
    user: CurrentUser,
    ctx: Ctx,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, object]:
    """Turn MFA off: the password and a current code (or a recovery code) are required.

    An account without a password (created by a provider sign-in) sends a
    `reauthentication_token` from a fresh sign-in with its provider instead.
    """
    row = await credentials_row(ctx, CREDENTIALS_OF, user.user_id)
    if row is None or not row["mfa_secret"]:
        raise Problem(409, "mfa_not_enabled", "MFA is not on", "there is no MFA to turn off")
    attempt = login_attempt(ctx, row["email"], request)
    try:
        used = None
        if await first_factor_proven(
            ctx, row, user.user_id, body.password, body.reauthentication_token
        ):
            used = second_factor_used(ctx, row, body.totp_code, body.recovery_code)
        if used is None:
            attempt.failed()
            raise _reauthentication_failed()
        attempt.succeeded()
    finally:
        attempt.abandoned()
    await publish_fact(ctx, used, actor=str(user.user_id))
    requested_at = datetime.now(UTC)

    async def build(_: uuid.UUID) -> UserMfaDisableRequested:
        return UserMfaDisableRequested(user_id=user.user_id, requested_at=requested_at)

    command_id = await submit(
        ctx,
        route="mfa.disable",
        actor=str(user.user_id),
        request=body,
        idempotency_key=idempotency_key,
        build=build,
    )
    return accepted(response, command_id)


def _reauthentication_failed() -> Problem:
    return Problem(
        403,
        "reauthentication_failed",
        "Re-authentication failed",
        "the password or the code is wrong, or the code was used already",
    )


async def _changing_mfa(
    ctx: IngressContext,
    request: Request,
    user_id: uuid.UUID,
    password: str | None,
    totp_code: str | None,
    reauthentication_token: str | None = None,
) -> bool:
    """Whether the caller re-authenticated (password, current code, or a fresh sign-in with
    a provider) to change MFA.

    Required while MFA is on (403 otherwise). What is sent is checked even when MFA looks
    off (the read model may lag a just-enabled MFA; identity then refuses an unproven
    replacement), and wrong guesses count toward the login lockout, so a stolen access
    token cannot be used to guess the password.
    """
    if reauthenticated_by_provider(ctx, reauthentication_token, user_id):
        return True
    row = await credentials_row(ctx, CREDENTIALS_OF, user_id)
    if row is None:
        return False
    if password is None and totp_code is None:
        if row["mfa_secret"]:
            raise Problem(
                403,
                "reauthentication_required",
                "Re-authentication required",
                "MFA is on: send your password or a current code (password or totp_code), "
                "or a reauthentication_token",
            )
        return False
    attempt = login_attempt(ctx, row["email"], request)
    try:
        ok = password is None or await ctx.passwords.verify(row["password_hash"], password)
        used = second_factor_used(ctx, row, totp_code, None) if ok and totp_code else None
        if not ok or (totp_code is not None and used is None):
            attempt.failed()
            raise _reauthentication_failed()
        attempt.succeeded()
    finally:
        attempt.abandoned()
    if used is not None:
        await publish_fact(ctx, used, actor=str(user_id))
    return True
