"""Calls of sign-in with an OpenID Connect provider.

`start` and `callback` are browser navigations (redirects and a cookie), not calls: a client
builds their URLs; these are the JSON calls around them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from schemas import api
from stack.client.calls.base import Call, body_of, clean


def sign_in_providers() -> Call[api.SignInProviders]:
    """GET /v1/auth/oidc/providers."""
    return Call("GET", "/v1/auth/oidc/providers", api.SignInProviders)


def exchange_provider_code(
    code: str, totp_code: str | None = None, recovery_code: str | None = None
) -> Call[api.Tokens]:
    """POST /v1/auth/oidc/token: tokens for the code a provider sign-in returned with."""
    body = body_of(
        api.ProviderCodeRequest(code=code, totp_code=totp_code, recovery_code=recovery_code)
    )
    return Call("POST", "/v1/auth/oidc/token", api.Tokens, body)


def provider_ticket(
    provider: str,
    purpose: Literal["link", "reauthenticate"],
    *,
    password: str | None = None,
    reauthentication_token: str | None = None,
    totp_code: str | None = None,
) -> Call[api.ProviderTicket]:
    """POST /v1/auth/oidc/{provider}/tickets: where to navigate to link or re-authenticate."""
    body = body_of(
        api.ProviderTicketRequest(
            purpose=purpose,
            password=password,
            reauthentication_token=reauthentication_token,
            totp_code=totp_code,
        )
    )
    return Call("POST", f"/v1/auth/oidc/{provider}/tickets", api.ProviderTicket, body)


def exchange_reauthentication_code(code: str) -> Call[api.Reauthenticated]:
    """POST /v1/auth/oidc/reauthentication: a re-authentication token for the code."""
    body = body_of(api.ReauthenticationCodeRequest(code=code))
    return Call("POST", "/v1/auth/oidc/reauthentication", api.Reauthenticated, body)


def start_provider_sign_in(
    provider: str, return_to: str | None = None, ticket: str | None = None
) -> Call[BaseModel]:
    """GET /v1/auth/oidc/{provider}/start: a browser navigation; answers a 302 to the provider."""
    params = clean({"return_to": return_to, "ticket": ticket})
    return Call("GET", f"/v1/auth/oidc/{provider}/start", None, params=params)


def complete_provider_sign_in(provider: str, params: dict[str, str]) -> Call[BaseModel]:
    """GET /v1/auth/oidc/{provider}/callback with what the provider sent back (code, state
    or error): a browser navigation that needs the flow's cookie; answers a 302."""
    return Call("GET", f"/v1/auth/oidc/{provider}/callback", None, params=dict(params))
