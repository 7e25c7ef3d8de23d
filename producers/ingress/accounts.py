"""Account endpoints: register, login, refresh, logout, profile (MFA is in `mfa`)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response

from producers.ingress import queries
from producers.ingress.auth import Ctx, CurrentUser
from producers.ingress.bus import derived_id
from producers.ingress.commands import IdempotencyKey, accepted, publish_fact, submit
from producers.ingress.context import IngressContext
from producers.ingress.credentials import (
    address_of,
    login_attempt,
    verified_credentials,
)
from producers.ingress.problems import PROBLEM_RESPONSES, Problem, documented
from producers.ingress.throttle import RegistrationThrottled
from producers.ingress.tokens import InvalidToken, RefreshClaims, TokenPair
from schemas.account_fields import AccountDetails
from schemas.api import (
    LoginRequest,
    Me,
    RefreshRequest,
    RegisterRequest,
    RegistrationAccepted,
    Tokens,
)
from schemas.registration import UserRegistrationRequestedV3
from schemas.sessions import SessionRefreshed, SessionRevoked, SessionStarted

router = APIRouter(prefix="/v1", tags=["accounts"], responses=PROBLEM_RESPONSES)


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
        ctx.registrations.admit(address_of(request))
    except RegistrationThrottled as throttled:
        raise Problem(
            429,
            "registration_throttled",
            "Too many registrations",
            f"too many registrations {throttled.scope}; try again in {throttled.retry_after_s} s",
            headers={"Retry-After": str(throttled.retry_after_s)},
        ) from throttled

    async def build(command_id: uuid.UUID) -> UserRegistrationRequestedV3:
        user_id = derived_id(command_id, "user")
        password_hash = await ctx.passwords.hash(body.password)
        details = AccountDetails(email=body.email, display_name=body.display_name)
        box = ctx.registration_box
        # Sealed for identity, bound to this user: the command's topic holds neither the
        # email, the name nor the hash in clear, and identity keeps them in its own
        # schema. The key is a keyed digest of the email, so two registrations of one
        # address meet in one partition, where identity lets the first one win.
        return UserRegistrationRequestedV3(
            user_id=user_id,
            email_key=box.digest(details.email),
            sealed_details=box.seal(details.model_dump_json(), bound_to=str(user_id)),
            sealed_password_hash=box.seal(password_hash, bound_to=str(user_id)),
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
    responses={
        401: documented("Wrong email or password, or a second factor missing or wrong"),
        429: documented("Too many failed logins: locked for now (see Retry-After)"),
    },
)
async def login(body: LoginRequest, request: Request, ctx: Ctx) -> Tokens:
    """Tokens for valid credentials (and a valid TOTP code when MFA is on).

    Repeated failures lock the email, and the client address, for a while: 429 with
    Retry-After, the same whether or not the account exists.
    """
    attempt = login_attempt(ctx, body.email, request)
    try:
        row, used = await verified_credentials(ctx, body, attempt)
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


@router.post(
    "/auth/refresh",
    response_model=Tokens,
    responses={
        401: documented(
            "The refresh token is invalid, expired or reused, its session ended, or the "
            "account was erased"
        )
    },
)
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
    # Erased: no new tokens, even for a session whose start the projection saw only after
    # the erasure (the topics are not ordered, so its revocation may have missed it).
    if profile is None and await queries.fetch_one(ctx, queries.ERASED, claims.user_id):
        raise Problem(401, "account_erased", "Account erased", "this account was erased")
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


@router.post(
    "/auth/logout",
    status_code=204,
    responses={401: documented("The refresh token is invalid or expired")},
)
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
