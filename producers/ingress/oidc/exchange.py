"""The SPA's side of a provider sign-in: codes for tokens, and tickets to start with.

The code the callback returns with names the sign-in command; exchanging it waits (a few
seconds at most) for identity's decision, and for a new account's profile to be readable,
then answers what password login answers:
tokens (after a TOTP code when the account has MFA on), or why not. Each code works once.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime

import asyncpg
from fastapi import APIRouter, Request

from azora.ids import name_uuid
from producers.ingress import queries
from producers.ingress.auth import Ctx, CurrentUser
from producers.ingress.commands import outcome, publish_fact
from producers.ingress.context import IngressContext
from producers.ingress.credential_store import credentials_row
from producers.ingress.credentials import (
    CREDENTIALS_OF,
    LOCKED_RESPONSE,
    login_attempt,
    second_factor_used,
)
from producers.ingress.oidc.registry import OidcSignIn
from producers.ingress.oidc.tickets import TicketInvalid
from producers.ingress.oidc.web import ProviderName
from producers.ingress.problems import PROBLEM_RESPONSES, Problem, documented
from producers.ingress.reauthentication import reauthenticated_by_provider
from producers.ingress.tokens import TokenPair
from schemas.api import (
    ProviderCodeRequest,
    ProviderTicket,
    ProviderTicketRequest,
    Reauthenticated,
    ReauthenticationCodeRequest,
    Tokens,
)
from schemas.credentials import UserMfaCodeUsed
from schemas.sessions import SessionStarted

router = APIRouter(prefix="/v1/auth/oidc", tags=["accounts"], responses=PROBLEM_RESPONSES)
# How long an exchange waits for identity's decision before answering 409 (retry).
DECISION_WAIT_S = 10.0
# A first sign-in creates the account, and identity's decision can reach the read models a
# batch before the new profile does: the tokens wait this long for it, so the caller's next
# `GET /v1/me` finds it (as after a password login, whose credentials row comes with it).
PROFILE_WAIT_S = 5.0
PROFILE_POLL_S = 0.05
# Sessions opened by a code are named by it: a code used on another replica, once its
# session is projected, is refused there too.
_SESSION_NAMESPACE = uuid.UUID("0f9a7c1e-4b6d-4f0e-9a51-3c2d7e8b6a10")


@router.post(
    "/token",
    response_model=Tokens,
    responses={
        400: documented("The code is not valid, has expired, or was used already"),
        401: documented("MFA is on: send totp_code or recovery_code (or it was wrong)"),
        403: documented("Identity refused the sign-in (the reason says why and what to do)"),
        404: documented("Sign-in with providers is off"),
        409: documented("Identity has not decided yet: retry (see Retry-After)"),
        **LOCKED_RESPONSE,
    },
)
async def exchange_code(body: ProviderCodeRequest, request: Request, ctx: Ctx) -> Tokens:
    """Tokens for the code a provider sign-in returned with (and a second factor if MFA is on)."""
    oidc = _enabled(ctx)
    try:
        claims = oidc.tickets.read("sign_in_code", body.code)
    except TicketInvalid as exc:
        raise Problem(400, "invalid_code", "Invalid code", f"the code: {exc}") from exc
    session_id = name_uuid(_SESSION_NAMESPACE, str(claims["jti"]))
    row = await outcome(ctx, uuid.UUID(claims["sub"]), DECISION_WAIT_S)
    if row is None or row["status"] == "pending":
        raise Problem(
            409,
            "sign_in_pending",
            "Not decided yet",
            "identity has not decided yet; retry",
            headers={"Retry-After": "1"},
        )
    if row["status"] == "rejected":
        raise Problem(403, "provider_sign_in_refused", "Sign-in refused", row["reason"])
    user_id = uuid.UUID(row["settled_ids"]["user_id"])
    jti = str(claims["jti"])
    if oidc.tickets.used.seen(jti) or await queries.fetch_one(ctx, queries.SESSION, session_id):
        raise _used()
    used = await _second_factor(ctx, request, user_id, body)
    if not oidc.tickets.used.take(jti, float(claims["exp"])):
        raise _used()
    if used is not None:
        await publish_fact(ctx, used, actor=str(user_id))
    profile = await projected_profile(ctx, user_id, PROFILE_WAIT_S)
    roles = tuple(profile["roles"]) if profile else ("student",)
    pair = ctx.tokens.issue(user_id, roles, session_id, 0)
    await _started(ctx, user_id, session_id, pair)
    return Tokens(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


@router.post(
    "/reauthentication",
    response_model=Reauthenticated,
    responses={
        400: documented("The code is not valid, has expired, or was used already"),
        403: documented("The code is another user's"),
        404: documented("Sign-in with providers is off"),
    },
)
async def exchange_reauthentication(
    body: ReauthenticationCodeRequest, user: CurrentUser, ctx: Ctx
) -> Reauthenticated:
    """A re-authentication token for the code a fresh provider round-trip returned with."""
    oidc = _enabled(ctx)
    try:
        claims = oidc.tickets.take("reauthentication_code", body.code)
    except TicketInvalid as exc:
        raise Problem(400, "invalid_code", "Invalid code", f"the code: {exc}") from exc
    if claims["sub"] != str(user.user_id):
        raise Problem(403, "other_user", "Another user's code", "this code is not yours")
    token = oidc.tickets.issue("reauthentication", str(user.user_id), prv=claims["prv"])
    return Reauthenticated(
        reauthentication_token=token, expires_in=oidc.tickets.ttl_s["reauthentication"]
    )


@router.post(
    "/{provider}/tickets",
    response_model=ProviderTicket,
    responses={
        403: documented(
            "Linking needs the password or a re-authentication, and a second "
            "factor when MFA is on (or they were wrong)"
        ),
        404: documented("No such provider"),
        **LOCKED_RESPONSE,
    },
)
async def create_ticket(
    provider: ProviderName,
    body: ProviderTicketRequest,
    user: CurrentUser,
    request: Request,
    ctx: Ctx,
) -> ProviderTicket:
    """A ticket to start linking `provider` to your account, or re-authenticating with it."""
    oidc = _enabled(ctx)
    if provider not in oidc.providers:
        raise Problem(
            404,
            "unknown_provider",
            "Unknown provider",
            f"no sign-in provider named {provider!r} is configured",
        )
    if body.purpose == "link":
        await _proven(ctx, request, user.user_id, body)
    ticket = oidc.tickets.issue("start_ticket", str(user.user_id), pur=body.purpose, prv=provider)
    return ProviderTicket(
        ticket=ticket,
        start_url=f"/v1/auth/oidc/{provider}/start?ticket={ticket}",
        expires_in=oidc.tickets.ttl_s["start_ticket"],
    )


def _enabled(ctx: IngressContext) -> OidcSignIn:
    if ctx.oidc is None or not ctx.oidc.providers:
        raise Problem(404, "oidc_off", "Sign-in with providers is off", "no provider is configured")
    return ctx.oidc


async def _second_factor(
    ctx: IngressContext, request: Request, user_id: uuid.UUID, body: ProviderCodeRequest
) -> UserMfaCodeUsed | None:
    """The second factor used (None when MFA is off), or a 401; wrong guesses count."""
    row = await credentials_row(ctx, CREDENTIALS_OF, user_id)
    if row is None or not row["mfa_secret"]:
        return None
    if body.totp_code is None and body.recovery_code is None:
        raise Problem(
            401,
            "mfa_required",
            "MFA code required",
            "this account has MFA on: send the code again with totp_code (or a recovery_code)",
        )
    attempt = login_attempt(ctx, row["email"], request)
    try:
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
    finally:
        attempt.abandoned()
    return used


async def _proven(
    ctx: IngressContext, request: Request, user_id: uuid.UUID, body: ProviderTicketRequest
) -> None:
    """The caller re-authenticated: password or re-authentication token, and the second
    factor when MFA is on. Wrong guesses count toward the login lockout."""
    row = await credentials_row(ctx, CREDENTIALS_OF, user_id)
    if row is None:
        raise _not_proven()
    attempt = login_attempt(ctx, row["email"], request)
    try:
        proven = reauthenticated_by_provider(ctx, body.reauthentication_token, user_id) or (
            body.password is not None
            and await ctx.passwords.verify(row["password_hash"], body.password)
        )
        used = None
        if proven and row["mfa_secret"]:
            used = second_factor_used(ctx, row, body.totp_code, body.recovery_code)
            proven = used is not None
        if not proven:
            attempt.failed()
            raise _not_proven()
        attempt.succeeded()
    finally:
        attempt.abandoned()
    if used is not None:
        await publish_fact(ctx, used, actor=str(user_id))


def _used() -> Problem:
    return Problem(400, "invalid_code", "Invalid code", "the code: it was used already")


def _not_proven() -> Problem:
    return Problem(
        403,
        "reauthentication_failed",
        "Re-authentication failed",
        "linking a provider needs your password (or a reauthentication_token), and a current "
        "code when MFA is on",
    )


async def _started(
    ctx: IngressContext, user_id: uuid.UUID, session_id: uuid.UUID, pair: TokenPair
) -> None:
    started = SessionStarted(
        session_id=session_id,
        user_id=user_id,
        started_at=datetime.now(UTC),
        expires_at=pair.refresh_expires_at,
    )
    await publish_fact(ctx, started, actor=str(user_id))


async def projected_profile(
    ctx: IngressContext, user_id: uuid.UUID, wait_s: float
) -> asyncpg.Record | None:
    """The user's profile row, waiting up to `wait_s` for the users projection to write it;
    None if it has not by then (the tokens then carry the default role, as before)."""
    deadline = time.monotonic() + wait_s
    while (profile := await queries.fetch_one(ctx, queries.USER, user_id)) is None:
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(PROFILE_POLL_S)
    return profile
