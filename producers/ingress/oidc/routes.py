"""The browser's side of a provider sign-in: list the providers, start, come back.

Start redirects to the provider with state, nonce and a PKCE challenge, and keeps them in
a sealed cookie. The callback checks the state against that cookie (once), exchanges the
code, verifies the ID token, asks identity to sign the person in (a command: the ingress
writes nothing), and redirects to the allow-listed return URL with a one-time code the SPA
exchanges for tokens (`exchange.py`). Every failure is a 4xx problem saying which check
failed; a provider that does not answer is a 502.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from producers.ingress import queries
from producers.ingress.auth import Ctx
from producers.ingress.bus import derived_id
from producers.ingress.commands import submit
from producers.ingress.context import IngressContext
from producers.ingress.oidc.flow import (
    COOKIE_PATH,
    Flow,
    FlowRejected,
    Purpose,
    cookie_name,
    new_flow,
)
from producers.ingress.oidc.id_tokens import IdTokenRejected, VerifiedIdentity, verify_id_token
from producers.ingress.oidc.providers import CodeRefused, Provider, ProviderUnavailable
from producers.ingress.oidc.registry import OidcSignIn
from producers.ingress.oidc.tickets import TicketInvalid
from producers.ingress.problems import PROBLEM_RESPONSES, Problem, documented
from schemas.api import SignInProvider, SignInProviders
from schemas.oidc import UserOidcSignInRequested

T = TypeVar("T")
router = APIRouter(prefix="/v1/auth/oidc", tags=["accounts"], responses=PROBLEM_RESPONSES)
REDIRECT: dict[int | str, dict[str, Any]] = {
    302: {"description": "To the provider (start) or back to the return URL (callback)"},
}
LINKED_IDENTITY = "SELECT user_id FROM read.oidc_identities WHERE issuer = $1 AND subject = $2"
# Where a display name comes from when the provider sends none: the email's local part.
MAX_DISPLAY_NAME = 100


class _Vouched(BaseModel):
    """What a sign-in command's fingerprint is made of."""

    issuer: str
    subject: str


@router.get("/providers", response_model=SignInProviders)
async def list_providers(ctx: Ctx) -> SignInProviders:
    """The providers a person can sign in with (an empty list: sign-in with providers is off)."""
    providers = ctx.oidc.providers.values() if ctx.oidc else ()
    return SignInProviders(
        providers=[
            SignInProvider(
                name=p.name, display_name=p.display_name, start_url=f"{COOKIE_PATH}/{p.name}/start"
            )
            for p in providers
        ]
    )


@router.get(
    "/{provider}/start",
    status_code=302,
    response_class=RedirectResponse,
    responses={
        **REDIRECT,
        400: documented("return_to is not an allowed return URL, or the ticket is not valid"),
        404: documented("No such provider"),
        502: documented("The provider's discovery document could not be read"),
    },
)
async def start(
    provider: str,
    ctx: Ctx,
    return_to: Annotated[
        str | None, Query(max_length=2000, description="One of AZORA_OIDC_RETURN_URLS")
    ] = None,
    ticket: Annotated[
        str | None,
        Query(max_length=4096, description="From POST /v1/auth/oidc/{provider}/tickets"),
    ] = None,
) -> RedirectResponse:
    """Send the browser to the provider's sign-in page (a top-level navigation, not a fetch).

    With a ticket, the round-trip links the provider to the signed-in account, or
    re-authenticates its holder.
    """
    oidc, chosen = _provider(ctx, provider)
    destination = oidc.return_url(return_to)
    if destination is None:
        raise Problem(
            400,
            "return_url_not_allowed",
            "Return URL not allowed",
            "return_to must be one of the configured AZORA_OIDC_RETURN_URLS",
        )
    purpose: Purpose = "sign_in"
    user_id = None
    if ticket is not None:
        try:
            claims = oidc.tickets.take("start_ticket", ticket)
        except TicketInvalid as exc:
            raise Problem(400, "invalid_ticket", "Invalid ticket", f"the ticket: {exc}") from exc
        if claims.get("prv") != provider:
            raise Problem(
                400, "invalid_ticket", "Invalid ticket", "the ticket is for another provider"
            )
        purpose = "link" if claims.get("pur") == "link" else "reauthenticate"
        user_id = uuid.UUID(claims["sub"])
    metadata = await _unavailable_is_502(chosen.metadata())
    flow = new_flow(
        provider,
        destination,
        purpose,
        user_id,
        now=oidc.clock(),
        ttl_s=oidc.settings.oidc_flow_ttl_s,
    )
    params = {
        "response_type": "code",
        "client_id": chosen.config.client_id,
        "redirect_uri": chosen.redirect_uri,
        "scope": chosen.config.scopes,
        "state": flow.state,
        "nonce": flow.nonce,
        "code_challenge": flow.challenge,
        "code_challenge_method": "S256",
    }
    if purpose == "reauthenticate":
        # OpenID Connect Core 3.1.2.1: ask the person to sign in again, now.
        params |= {"prompt": "login", "max_age": "0"}
    answer = _redirect(_with_query(metadata.authorization_endpoint, params))
    answer.set_cookie(
        cookie_name(flow.state),
        oidc.cookies.seal(flow),
        max_age=oidc.settings.oidc_flow_ttl_s,
        path=COOKIE_PATH,
        secure=oidc.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    return answer


@router.get(
    "/{provider}/callback",
    status_code=302,
    response_class=RedirectResponse,
    responses={
        **REDIRECT,
        400: documented(
            "The state is unknown, tampered with, expired or used; the provider "
            "refused the code or reported an error; the provider sent no email"
        ),
        401: documented(
            "The ID token failed a check (signature, issuer, audience, expiry, "
            "nonce), or a re-authentication was not fresh"
        ),
        403: documented("A re-authentication came back as another provider account"),
        404: documented("No such provider"),
        502: documented("The provider did not answer, or not as OpenID Connect says"),
    },
)
async def callback(
    provider: str,
    request: Request,
    ctx: Ctx,
    code: Annotated[str | None, Query(max_length=4096)] = None,
    state: Annotated[str | None, Query(max_length=512)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
    error_description: Annotated[str | None, Query(max_length=500)] = None,
) -> RedirectResponse:
    """Where the provider sends the browser back: verify, sign in, return to the app."""
    oidc, chosen = _provider(ctx, provider)
    if not state:
        raise Problem(400, "missing_state", "No state", "the provider sent no state back")
    try:
        flow = oidc.cookies.open(
            request.cookies.get(cookie_name(state)), state, provider, now=oidc.clock()
        )
    except FlowRejected as exc:
        raise Problem(400, exc.kind, "Sign-in not recognised", exc.detail) from exc
    if error is not None:
        raise Problem(
            400,
            "provider_error",
            "The provider did not sign you in",
            f"{provider} answered {error}"
            + (f": {error_description}" if error_description else ""),
        )
    if not code:
        raise Problem(400, "missing_code", "No code", "the provider sent no authorization code")
    if not oidc.states.take(flow.state, flow.expires_at):
        raise Problem(
            400,
            "state_used",
            "Sign-in already completed",
            "this sign-in was completed already (a replayed callback); start again",
        )
    identity = await _verified_identity(oidc, chosen, flow, code)
    if flow.purpose == "reauthenticate":
        destination = await _reauthenticated(ctx, oidc, flow, identity)
    else:
        destination = await _signed_in(ctx, oidc, flow, identity)
    answer = _redirect(destination)
    answer.delete_cookie(
        cookie_name(flow.state),
        path=COOKIE_PATH,
        secure=oidc.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    return answer


async def _verified_identity(
    oidc: OidcSignIn, provider: Provider, flow: Flow, code: str
) -> VerifiedIdentity:
    try:
        answer = await _unavailable_is_502(provider.exchange(code, flow.verifier))
    except CodeRefused as exc:
        raise Problem(400, "code_refused", "Code refused", str(exc)) from exc
    id_token = answer.get("id_token")
    if not isinstance(id_token, str):
        raise Problem(
            502,
            "provider_unavailable",
            "Not an OpenID Connect answer",
            f"{provider.name} answered the code without an ID token",
        )
    try:
        return await _unavailable_is_502(
            verify_id_token(
                id_token, provider, flow.nonce, leeway_s=oidc.settings.oidc_clock_skew_s
            )
        )
    except IdTokenRejected as exc:
        raise Problem(401, exc.kind, "ID token refused", exc.detail) from exc


async def _signed_in(
    ctx: IngressContext, oidc: OidcSignIn, flow: Flow, identity: VerifiedIdentity
) -> str:
    if identity.email is None:
        raise Problem(
            400,
            "email_missing",
            "No email from the provider",
            f"{flow.provider} did not share an email address; allow it to",
        )
    email = identity.email
    name = (identity.name or email.split("@")[0])[:MAX_DISPLAY_NAME]
    requested_at = datetime.now(UTC)

    async def build(command_id: uuid.UUID) -> UserOidcSignInRequested:
        return UserOidcSignInRequested(
            user_id=derived_id(command_id, "user"),
            provider=flow.provider,
            issuer=identity.issuer,
            subject=identity.subject,
            email=email,
            email_verified=identity.email_verified,
            display_name=name,
            link_to=flow.account,
            requested_at=requested_at,
        )

    command_id = await submit(
        ctx,
        route="oidc.sign_in",
        actor=flow.user_id or "anonymous",
        request=_Vouched(issuer=identity.issuer, subject=identity.subject),
        idempotency_key=None,
        build=build,
    )
    code = oidc.tickets.issue("sign_in_code", str(command_id), prv=flow.provider)
    return _with_query(flow.return_to, {"oidc_code": code, "provider": flow.provider})


async def _reauthenticated(
    ctx: IngressContext, oidc: OidcSignIn, flow: Flow, identity: VerifiedIdentity
) -> str:
    row = await queries.fetch_one(ctx, LINKED_IDENTITY, identity.issuer, identity.subject)
    if row is None or row["user_id"] != flow.account:
        raise Problem(
            403,
            "other_identity",
            "Another account",
            f"this {flow.provider} account does not sign in your Azora account",
        )
    started = flow.expires_at - oidc.settings.oidc_flow_ttl_s
    if identity.auth_time is None or identity.auth_time < started - oidc.settings.oidc_clock_skew_s:
        raise Problem(
            401,
            "not_fresh",
            "Not a fresh sign-in",
            f"{flow.provider} did not say it asked you to sign in again just now",
        )
    code = oidc.tickets.issue("reauthentication_code", str(flow.account), prv=flow.provider)
    return _with_query(flow.return_to, {"reauthentication_code": code, "provider": flow.provider})


def _provider(ctx: IngressContext, name: str) -> tuple[OidcSignIn, Provider]:
    chosen = ctx.oidc.providers.get(name) if ctx.oidc else None
    if ctx.oidc is None or chosen is None:
        raise Problem(
            404,
            "unknown_provider",
            "Unknown provider",
            f"no sign-in provider named {name!r} is configured",
        )
    return ctx.oidc, chosen


async def _unavailable_is_502(call: Awaitable[T]) -> T:
    try:
        return await call
    except ProviderUnavailable as exc:
        raise Problem(502, "provider_unavailable", "The provider is unavailable", str(exc)) from exc


def _redirect(url: str) -> RedirectResponse:
    # The return URL carries a one-time code: never cached, never sent on as a Referer.
    return RedirectResponse(
        url,
        status_code=302,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))
