"""Account endpoints: register, login, refresh, logout, profile, MFA."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

import asyncpg
import pyotp
from fastapi import APIRouter, Header, Request, Response

from producers.ingress import queries
from producers.ingress.auth import Ctx, CurrentUser
from producers.ingress.bus import derived_id
from producers.ingress.commands import accepted, publish_fact, submit
from producers.ingress.context import IngressContext
from producers.ingress.problems import PROBLEM_RESPONSES, Problem, documented
from producers.ingress.throttle import LoginAttempt, LoginLocked
from producers.ingress.tokens import InvalidToken, RefreshClaims, TokenPair
from schemas.accounts import (
    SessionRefreshed,
    SessionRevoked,
    SessionStarted,
    UserMfaEnableRequested,
    UserMfaSetupRequested,
    UserRegistrationRequested,
)
from schemas.api import (
    Accepted,
    LoginRequest,
    Me,
    MfaSetup,
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


def _bad_credentials() -> Problem:
    return Problem(
        401, "invalid_credentials", "Invalid credentials", "the email or password is wrong"
    )


@router.post("/auth/register", status_code=202, response_model=RegistrationAccepted)
async def register(
    body: RegisterRequest, ctx: Ctx, response: Response, idempotency_key: IdempotencyKey = None
) -> dict[str, object]:
    """Ask for an account; the outcome (created, or email taken) appears at `status_url`."""

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
        row = await _verified_credentials(ctx, body, attempt)
    finally:
        attempt.abandoned()  # a no-op once failed() or succeeded() was called
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


@router.post("/auth/mfa/setup", response_model=MfaSetup)
async def mfa_setup(user: CurrentUser, ctx: Ctx) -> MfaSetup:
    """A new TOTP secret; MFA turns on once /v1/auth/mfa/verify gets a matching code."""
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


@router.post("/auth/mfa/verify", status_code=202, response_model=Accepted)
async def mfa_verify(
    body: MfaVerifyRequest,
    user: CurrentUser,
    ctx: Ctx,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, object]:
    """Turn MFA on if the code matches the secret from /v1/auth/mfa/setup."""
    submitted_at = datetime.now(UTC)

    async def build(_: uuid.UUID) -> UserMfaEnableRequested:
        return UserMfaEnableRequested(
            user_id=user.user_id, code=body.code, submitted_at=submitted_at
        )

    command_id = await submit(
        ctx,
        route="mfa.verify",
        actor=str(user.user_id),
        request=body,
        idempotency_key=idempotency_key,
        build=build,
    )
    return accepted(response, command_id)


def _login_attempt(ctx: IngressContext, email: str, request: Request) -> LoginAttempt:
    # The client's address as `client_address` establishes it: the peer, or behind a
    # trusted proxy (AZORA_TRUSTED_PROXIES) whom it forwarded, so a proxy in front does not
    # make everyone one address.
    address = request.client.host if request.client else "unknown"
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
) -> asyncpg.Record:
    """The credentials row for `body`, or a 401 problem; wrong guesses count as failures."""
    row = await queries.fetch_one(ctx, queries.CREDENTIALS, body.email)
    if not await ctx.passwords.verify(row["password_hash"] if row else None, body.password):
        attempt.failed()
        raise _bad_credentials()
    assert row is not None
    if row["mfa_secret"]:
        if body.totp_code is None:
            # Not a guess: the password was right. Neither a failure nor a success.
            raise Problem(
                401,
                "mfa_required",
                "MFA code required",
                "this account has MFA on: send totp_code from your authenticator",
            )
        secret = ctx.secrets.open(row["mfa_secret"])
        if not pyotp.TOTP(secret).verify(body.totp_code, valid_window=1):
            attempt.failed()
            raise Problem(401, "mfa_invalid", "Invalid MFA code", "the TOTP code is wrong")
    attempt.succeeded()
    return row


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
