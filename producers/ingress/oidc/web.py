"""What the browser-facing provider endpoints share: finding the provider, redirecting, and
turning a provider that does not answer into a 502."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import Path
from fastapi.responses import RedirectResponse

from azora.oidc_settings import PROVIDER_NAME
from producers.ingress.context import IngressContext
from producers.ingress.oidc.providers import Provider, ProviderUnavailable
from producers.ingress.oidc.registry import OidcSignIn
from producers.ingress.problems import Problem

T = TypeVar("T")
# A provider's name in a path: as the settings allow it, so no other text reaches a lookup.
ProviderName = Annotated[
    str, Path(pattern=f"^{PROVIDER_NAME.pattern}$", description="A configured provider's name")
]
REDIRECT: dict[int | str, dict[str, Any]] = {
    302: {"description": "To the provider (start) or back to the return URL (callback)"},
}


def provider_of(ctx: IngressContext, name: str) -> tuple[OidcSignIn, Provider]:
    """The configured provider `name`, or a 404 problem."""
    chosen = ctx.oidc.providers.get(name) if ctx.oidc else None
    if ctx.oidc is None or chosen is None:
        raise Problem(
            404,
            "unknown_provider",
            "Unknown provider",
            f"no sign-in provider named {name!r} is configured",
        )
    return ctx.oidc, chosen


async def unavailable_is_502(call: Awaitable[T]) -> T:
    """`call`'s result; a provider that did not answer as it must is a 502 problem."""
    try:
        return await call
    except ProviderUnavailable as exc:
        raise Problem(502, "provider_unavailable", "The provider is unavailable", str(exc)) from exc


def redirect(url: str) -> RedirectResponse:
    """A 302 to `url`, never cached, and never passing the URL on as a Referer (the return
    URL carries a one-time code)."""
    return RedirectResponse(
        url,
        status_code=302,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def with_query(url: str, params: dict[str, str]) -> str:
    """`url` with `params` added to its query."""
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))
