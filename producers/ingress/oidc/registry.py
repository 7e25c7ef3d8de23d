"""The providers this deployment signs people in with, and what their flows share."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from azora.settings import Settings
from producers.ingress.oidc.flow import FlowCookies
from producers.ingress.oidc.providers import Provider
from producers.ingress.oidc.tickets import OneTime, Tickets


class OidcSignIn:
    """Configured providers, the flow cookies, the tickets, and one HTTP client for all.

    The HTTP client is made on first use and closed with the app: nothing connects at
    import or build time.
    """

    def __init__(
        self,
        settings: Settings,
        secret: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.cookies = FlowCookies(secret)
        self.tickets = Tickets(
            secret,
            code_ttl_s=settings.oidc_code_ttl_s,
            reauthentication_ttl_s=settings.oidc_reauthentication_ttl_s,
        )
        # States whose callback this replica has taken: a replayed callback is refused.
        self.states = OneTime(clock)
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        base = (settings.oidc_redirect_base_url or "").rstrip("/")
        self.providers = {
            name: Provider(name, config, f"{base}/v1/auth/oidc/{name}/callback", self.client)
            for name, config in sorted(settings.oidc_providers.items())
        }

    @property
    def secure_cookies(self) -> bool:
        """Whether browsers reach the ingress over https (then the flow cookie is Secure)."""
        return (self.settings.oidc_redirect_base_url or "").startswith("https://")

    def client(self) -> httpx.AsyncClient:
        """The HTTP client providers are called with (made on first use)."""
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self.settings.oidc_http_timeout_s,
                follow_redirects=False,
                transport=self._transport,
                headers={"Accept": "application/json"},
            )
        return self._client

    async def close(self) -> None:
        """Close the HTTP client, if one was made."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def return_url(self, wanted: str | None) -> str | None:
        """`wanted` if it is one of the allow-listed return URLs (the first when omitted)."""
        allowed = self.settings.oidc_return_urls
        if wanted is None:
            return allowed[0] if allowed else None
        return wanted if wanted in allowed else None
