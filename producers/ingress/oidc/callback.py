"""The browser's side of a provider sign-in, second half: the provider sends it back here.

The callback checks the state against the flow cookie (once), exchanges the code,
verifies the ID token, then either asks identity to sign the person in (a command: the
ingress writes nothing) or checks a re-authentication, and redirects to the allow-listed
return URL with a one-time code the SPA exchanges (`exchange.py`). Every failure is a 4xx
problem saying which check failed; a provider that does not answer is a 502.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, TypeAdapter, ValidationError

from producers.ingress import queries
from producers.ingress.auth import Ctx
from producers.ingress.bus import derived_id
from producers.ingress.commands import submit
from producers.ingress.context import IngressContext
from producers.ingress.oidc.flow import COOKIE_PATH, Flow, FlowRejected, cookie_name
from producers.ingress.oidc.id_tokens import IdTokenRejected, VerifiedIdentity, verify_id_token
from producers.ingress.oidc.providers import CodeRefused, Provider
from producers.ingress.oidc.registry import OidcSignIn
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
from schemas.api.requests import Email
from schemas.oidc import ProviderClaims, UserOidcSignInRequestedV2

router = APIRouter(prefix="/v1/auth/oidc", tags=["accounts"], responses=PROBLEM_RESPONSES)
LINKED_IDENTITY = "SELECT user_id FROM read.oidc_identities WHERE issuer = $1 AND subject = $2"
# A display name is the provider's `name`, or else the email's local part.
MAX_DISPLAY_NAME = 100
_EMAIL: TypeAdapter[str] = TypeAdapter(Email)


class _Vouched(BaseModel):
    """What a sign-in command's fingerprint is made of."""

    issuer: str
    subject: str


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
    provider: ProviderName,
    request: Request,
    ctx: Ctx,
    code: Annotated[str | None, text_query(4096)] = None,
    state: Annotated[str | None, text_query(512)] = None,
    error: Annotated[str | None, text_query(200)] = None,
    error_description: Annotated[str | None, text_query(500)] = None,
) -> RedirectResponse:
    """Where the provider sends the browser back: verify, sign in, return to the app."""
    oidc, chosen = provider_of(ctx, provider)
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
    answer = redirect(destination)
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
        answer = await unavailable_is_502(provider.exchange(code, flow.verifier))
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
        return await unavailable_is_502(
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
    try:
        # The same full check a registration's address gets.
        email = _EMAIL.validate_python(identity.email)
    except ValidationError as exc:
        raise Problem(
            400,
            "email_invalid",
            "Unusable email from the provider",
            f"{flow.provider} gave an address that is not a valid email",
        ) from exc
    name = _printable(identity.name or "")[:MAX_DISPLAY_NAME].strip() or email.split("@")[0]
    requested_at = datetime.now(UTC)

    async def build(command_id: uuid.UUID) -> UserOidcSignInRequestedV2:
        user_id = derived_id(command_id, "user")
        claims = ProviderClaims(subject=identity.subject, email=email, display_name=name)
        box = ctx.registration_box
        # The claims travel sealed for identity, bound to this request's user id; the key
        # is a keyed digest of the provider identity, so two first sign-ins of one person
        # meet in one partition and get one account.
        return UserOidcSignInRequestedV2(
            user_id=user_id,
            provider=flow.provider,
            issuer=identity.issuer,
            identity_key=box.digest(f"{identity.issuer}\n{identity.subject}"),
            sealed_claims=box.seal(claims.model_dump_json(), bound_to=str(user_id)),
            email_verified=identity.email_verified,
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
    return with_query(flow.return_to, {"oidc_code": code, "provider": flow.provider})


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
    return with_query(flow.return_to, {"reauthentication_code": code, "provider": flow.provider})


def _printable(text: str) -> str:
    # A provider's display name may hold anything; Postgres stores no NUL, and control
    # characters have no place in a name.
    return "".join(c for c in text if c.isprintable())
