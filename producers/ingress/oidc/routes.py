"""The browser's side of a provider sign-in, first half: list the providers, and start.

Start redirects to the provider with state, nonce and a PKCE challenge, and keeps them in
a sealed cookie (`flow.py`); the provider sends the browser back to `callback.py`. Every
failure is a 4xx problem saying which check failed; a provider that does not answer is a
502.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from producers.ingress.auth import Ctx
from producers.ingress.oidc.flow import COOKIE_PATH, Purpose, cookie_name, new_flow
from producers.ingress.oidc.tickets import TicketInvalid
from producers.ingress.oidc.web import (
    REDIRECT,
    ProviderName,
    provider_of,
    redirect,
    unavailable_is_502,
    with_query,
)
from producers.ingress.problems import PROBLEM_RESPONSES, Problem, documented
from producers.ingress.query_text import text_query
from schemas.api import SignInProvider, SignInProviders

router = APIRouter(prefix="/v1/auth/oidc", tags=["accounts"], responses=PROBLEM_RESPONSES)


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
    provider: ProviderName,
    ctx: Ctx,
    return_to: Annotated[
        str | None, text_query(2000, description="One of AZORA_OIDC_RETURN_URLS")
    ] = None,
    ticket: Annotated[
        str | None,
        text_query(4096, description="From POST /v1/auth/oidc/{provider}/tickets"),
    ] = None,
) -> RedirectResponse:
    """Send the browser to the provider's sign-in page (a top-level navigation, not a fetch).

    With a ticket, the round-trip links the provider to the signed-in account, or
    re-authenticates its holder.
    """
    oidc, chosen = provider_of(ctx, provider)
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
    metadata = await unavailable_is_502(chosen.metadata())
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
    answer = redirect(with_query(metadata.authorization_endpoint, params))
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
