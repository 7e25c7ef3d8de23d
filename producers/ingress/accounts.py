"""Account endpoints: register, login, refresh, logout, profile, MFA."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import asyncpg
import pyotp
from fastapi import APIRouter, Header, Request, Response

from producers.ingress import queries
from producers.ingress.auth import Ctx, CurrentUser
from producers.ingress.bus import derived_id
from producers.ingress.commands import accepted, publish_fact, submit
from producers.ingress.context import IngressContext
from producers.ingress.problems import PROBLEM_RESPONSES, Problem, documented
from producers.ingress.second_factor import (
    matching_step,
    recovery_codes,
    recovery_hash,
)
from producers.ingress.throttle import LoginAttempt, LoginLocked, RegistrationThrottled
from producers.ingress.tokens import InvalidToken, RefreshClaims, TokenPair
from schemas.accounts import (
    SessionRefreshed,
    SessionRevoked,
    SessionStarted,
    UserMfaCodeUsed,
    UserMfaDisableRequested,
    UserMfaEnableRequested,
    UserMfaSetupRequested,
    UserRegistrationRequested,
)
from schemas.api import (
    Accepted,
    LoginRequest,
    Me,
    MfaDisableRequest,
    MfaSetup,
    MfaSetupRequest,
    MfaVerifyAccepted,
    MfaVerifyRequest,
    RefreshRequest,
    RegisterRequest,
    RegistrationAccepted,
    Tokens,
)

router = APIRouter(prefix="/v1", tags=["accounts"], responses=PROBLEM_RESPONSES)
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Retry with the same key and body: same command, nothing new published",
    ),
]


# What login and re-authentication check: the credentials, the last TOTP step used and the
# recovery codes not spent yet (`user.mfa_code_used`, projected).
CREDENTIALS = """
SELECT c.user_id, c.email, c.password_hash, c.mfa_secret, c.last_totp_step, c.recovery_codes,
       u.roles
FROM read.credentials c JOIN read.users u USING (user_id) WHERE c.email = $1
"""
CREDENTIALS_OF = """
SELECT user_id, email, password_hash, mfa_secret, last_totp_step, recovery_codes
FROM read.credentials WHERE user_id = $1
"""
LOCKED_RESPONSE: dict[int | str, dict[str, Any]] = {
    429: documented("Too many failed attempts: locked for now (see Retry-After)")
}


def _bad_credentials() -> Problem:
    return Problem(
        401, "invalid_credentials", "Invalid credentials", "the email or password is wrong"
    )


@router.post(
    "/auth/register",
    status_code=202,
    response_model=RegistrationAccepted,
    responses={429: documented("Too many registrations from this address, or in all")},
)
async def register(
    body: RegisterRequest,
    ctx: Ctx,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, object]:
    """Ask for an account; the outcome (created, or email taken) appears at `status_url`.

    Throttled per client address and in all, before the password is hashed: 429 with
    Retry-After.
    """
    try:
        ctx.registrations.admit(_client_address(request))
    except RegistrationThrottled as throttled:
        raise Problem(
            429,
            "registration_throttled",
            "Too many registrations",
            f"too many registrations {throttled.scope}; try again in {throttled.retry_after_s} s",
            headers={"Retry-After": str(throttled.retry_after_s)},
        ) from throttled

    async def build(command_id: uuid.UUID) -> UserRegistrationRequested:
        return UserRegistrationRequested(
            user_id=derived_id(command_id, "user"),
            email=body.email,
            display_name=body.display_name,
            password_hash=await ctx.passwords.hash(body.password),
        )

    command_id = await submit(
        ctx,
        route="register",
        actor="anonymous",
        request=body,
        idempotency_key=idempotency_key,
        build=build,
    )
    return accepted(response, command_id, user_id=derived_id(command_id, "user"))


@router.post(
    "/auth/login",
    response_model=Tokens,
    responses={429: documented("Too many failed logins: locked for now (see Retry-After)")},
)
async def login(body: LoginRequest, request: Request, ctx: Ctx) -> Tokens:
    """Tokens for valid credentials (and a valid TOTP code when MFA is on).

    Repeated failures lock the email, and the client address, for a while: 429 with
    Retry-After, the same whether or not the account exists.
    """
    attempt = _login_attempt(ctx, body.email, request)
    try:
        row, used = await _verified_credentials(ctx, body, attempt)
    finally:
        attempt.abandoned()  # a no-op once failed() or succeeded() was called
    if used is not None:
        await publish_fact(ctx, used, actor=str(row["user_id"]))
    session_id = uuid.uuid4()
    pair = ctx.tokens.issue(row["user_id"], tuple(row["roles"]), session_id, 0)
    await publish_fact(
        ctx,
        SessionStarted(
            session_id=session_id,
            user_id=row["user_id"],
            started_at=datetime.now(UTC),
            expires_at=pair.refresh_expires_at,
        ),
        actor=str(row["user_id"]),
    )
    return _tokens(pair)


@router.post("/auth/refresh", response_model=Tokens)
async def refresh(body: RefreshRequest, ctx: Ctx) -> Tokens:
    """New tokens for a refresh token; the one presented stops working."""
    claims = _refresh_claims(ctx, body.refresh_token)
    session = await queries.fetch_one(ctx, queries.SESSION, claims.session_id)
    if session is not None and session["revoked_at"] is not None:
        raise Problem(401, "session_revoked", "Session ended", "log in again")
    if session is not None and claims.generation < session["generation"]:
        # An old token came back: someone holds a copy. End the session for everyone.
        await _revoke(ctx, claims, "refresh token reused")
        raise Problem(
            401,
            "refresh_token_reused",
            "Refresh token already used",
            "this refresh token was replaced; the session has been revoked",
        )
    profile = await queries.fetch_one(ctx, queries.USER, claims.user_id)
    roles = tuple(profile["roles"]) if profile else ("student",)
    generation = claims.generation + 1
    pair = ctx.tokens.issue(
        claims.user_id, roles, claims.session_id, generation, refresh_expires_at=claims.expires_at
    )
    await publish_fact(
        ctx,
        SessionRefreshed(
            session_id=claims.session_id,
            user_id=claims.user_id,
            generation=generation,
            refreshed_at=datetime.now(UTC),
        ),
        actor=str(claims.user_id),
    )
    return _tokens(pair)


@router.post("/auth/logout", status_code=204)
async def logout(body: RefreshRequest, ctx: Ctx) -> Response:
    """End the session the refresh token belongs to."""
    await _revoke(ctx, _refresh_claims(ctx, body.refresh_token), "logout")
    return Response(status_code=204)


@router.get(
    "/me", response_model=Me, responses={404: documented("No profile for this account yet")}
)
async def me(user: CurrentUser, ctx: Ctx) -> Me:
    """The caller's profile."""
    row = await queries.fetch_one(ctx, queries.USER, user.user_id)
    if row is None:
        raise Problem(404, "not_found", "Profile not found", "no profile for this account yet")
    return Me(**dict(row))


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
    reauthenticated = await _changing_mfa(ctx, request, user.user_id, body.password, body.totp_code)
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
    """Turn MFA off: the password and a current code (or a recovery code) are required."""
    row = await queries.fetch_one(ctx, CREDENTIALS_OF, user.user_id)
    if row is None or not row["mfa_secret"]:
        raise Problem(409, "mfa_not_enabled", "MFA is not on", "there is no MFA to turn off")
    attempt = _login_attempt(ctx, row["email"], request)
    try:
        used = None
        if await ctx.passwords.verify(row["password_hash"], body.password):
            used = _second_factor(ctx, row, body.totp_code, body.recovery_code)
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
) -> bool:
    """Whether the caller re-authenticated (password or current code) to change MFA.

    Required while MFA is on (403 otherwise). What is sent is checked even when MFA looks
    off (the read model may lag a just-enabled MFA; identity then refuses an unproven
    replacement), and wrong guesses count toward the login lockout, so a stolen access
    token cannot be used to guess the password.
    """
    row = await queries.fetch_one(ctx, CREDENTIALS_OF, user_id)
    if row is None:
        return False
    if password is None and totp_code is None:
        if row["mfa_secret"]:
            raise Problem(
                403,
                "reauthentication_required",
                "Re-authentication required",
                "MFA is on: send your password or a current code (password or totp_code)",
            )
        return False
    attempt = _login_attempt(ctx, row["email"], request)
    try:
        ok = password is None or await ctx.passwords.verify(row["password_hash"], password)
        used = _second_factor(ctx, row, totp_code, None) if ok and totp_code else None
        if not ok or (totp_code is not None and used is None):
            attempt.failed()
            raise _reauthentication_failed()
        attempt.succeeded()
    finally:
        attempt.abandoned()
    if used is not None:
        await publish_fact(ctx, used, actor=str(user_id))
    return True


def _second_factor(
    ctx: IngressContext,
    row: asyncpg.Record,
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
        step = matching_step(ctx.secrets.open(row["mfa_secret"]), totp_code, now)
        if step is None or not ctx.codes.take_step(row["user_id"], step, row["last_totp_step"]):
            return None
        return UserMfaCodeUsed(user_id=row["user_id"], totp_step=step, used_at=used_at)
    if recovery_code is not None:
        digest = recovery_hash(recovery_code)
        if not ctx.codes.take_recovery(row["user_id"], digest, row["recovery_codes"]):
            return None
        return UserMfaCodeUsed(user_id=row["user_id"], recovery_code_hash=digest, used_at=used_at)
    return None


def _client_address(request: Request) -> str:
    # The client's address as `client_address` establishes it: the peer, or behind a
    # trusted proxy (AZORA_TRUSTED_PROXIES) whom it forwarded, so a proxy in front does not
    # make everyone one address.
    return request.client.host if request.client else "unknown"


def _login_attempt(ctx: IngressContext, email: str, request: Request) -> LoginAttempt:
    address = _client_address(request)
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


async def _verified_credentials(
    ctx: IngressContext, body: LoginRequest, attempt: LoginAttempt
) -> tuple[asyncpg.Record, UserMfaCodeUsed | None]:
    """The credentials row for `body` and the second factor it used, or a 401 problem;
    wrong guesses count as failures."""
    row = await queries.fetch_one(ctx, CREDENTIALS, body.email)
    if not await ctx.passwords.verify(row["password_hash"] if row else None, body.password):
        attempt.failed()
        raise _bad_credentials()
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
        used = _second_factor(ctx, row, body.totp_code, body.recovery_code)
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


def _refresh_claims(ctx: IngressContext, token: str) -> RefreshClaims:
    try:
        return ctx.tokens.refresh(token)
    except InvalidToken as exc:
        raise Problem(401, "invalid_token", "Invalid refresh token", str(exc)) from exc


async def _revoke(ctx: IngressContext, claims: RefreshClaims, reason: str) -> None:
    revoked = SessionRevoked(
        session_id=claims.session_id,
        user_id=claims.user_id,
        reason=reason,
        revoked_at=datetime.now(UTC),
    )
    await publish_fact(ctx, revoked, actor=str(claims.user_id))


def _tokens(pair: TokenPair) -> Tokens:
    return Tokens(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )
