"""Sign-in with OpenID Connect: how a deployment names each provider it signs people in
with, where browsers reach the ingress and may return to, and the flow's time limits."""

from __future__ import annotations

import re
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from azora.environment_settings import EnvironmentSettings
from azora.setting_lists import comma_separated

PROVIDER_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
HttpUrl = Annotated[str, Field(pattern=r"^https?://[^\s#?]+$", max_length=500)]


class OidcProvider(BaseModel):
    """One provider: its issuer (discovery is read from `<issuer>/.well-known/...`), the
    client registered there, and what the sign-in button says."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    issuer: HttpUrl
    client_id: str = Field(min_length=1, max_length=500)
    # From the deployment's secret store (the environment), never from the source.
    client_secret: SecretStr
    display_name: str | None = Field(default=None, min_length=1, max_length=100)
    scopes: str = Field(default="openid email profile", pattern=r"^[\x21\x23-\x5b\x5d-\x7e ]+$")

    @field_validator("scopes")
    @classmethod
    def _openid_and_email(cls, scopes: str) -> str:
        # Without `openid` there is no ID token; without `email`, nobody to sign in.
        missing = {"openid", "email"} - set(scopes.split())
        if missing:
            raise ValueError(f"scopes must include {' and '.join(sorted(missing))}")
        return scopes


def return_url_problem(url: str) -> str | None:
    """Why `url` cannot be a page a sign-in returns to, or None if it can."""
    if not re.fullmatch(r"https?://[^\s#?]+(\?[^\s#]*)?", url):
        return f"{url!r} is not an absolute http(s) URL without a fragment"
    return None


class OidcSettings(EnvironmentSettings):
    """The providers (`producers/ingress/oidc/`); sign-in with them is off while none is set.

    Each is AZORA_OIDC_PROVIDERS__<NAME>__ISSUER, __CLIENT_ID and __CLIENT_SECRET (from the
    secret store), optionally __DISPLAY_NAME and __SCOPES.
    """

    oidc_providers: dict[str, OidcProvider] = Field(default={})
    # Where browsers reach the ingress: each provider is registered with the redirect URI
    # <this>/v1/auth/oidc/<name>/callback. With https, the flow cookie is Secure.
    oidc_redirect_base_url: HttpUrl | None = None
    # The pages a sign-in may send the browser back to (exact URLs, comma-separated; the
    # first is the default). Nothing else is ever redirected to.
    oidc_return_urls: Annotated[tuple[str, ...], NoDecode] = ()
    # How long a started sign-in may take at the provider, how long the one-time code the
    # browser brings back stays valid, and how long a re-authentication counts.
    oidc_flow_ttl_s: int = Field(default=600, ge=30, le=3600)
    oidc_code_ttl_s: int = Field(default=120, ge=10, le=600)
    oidc_reauthentication_ttl_s: int = Field(default=300, ge=30, le=3600)
    oidc_http_timeout_s: float = Field(default=10.0, gt=0, le=60)
    oidc_clock_skew_s: int = Field(default=60, ge=0, le=300)

    @field_validator("oidc_return_urls", mode="before")
    @classmethod
    def _comma_separated_urls(cls, value: Any) -> Any:
        return comma_separated(value)

    @model_validator(mode="after")
    def _oidc_complete(self) -> Self:
        if not self.oidc_providers:
            return self
        for name, provider in self.oidc_providers.items():
            if not PROVIDER_NAME.fullmatch(name):
                raise ValueError(f"OIDC provider name {name!r}: lower case, digits, - or _")
            if self.env == "production" and not provider.issuer.startswith("https://"):
                raise ValueError(f"OIDC provider {name}: the issuer must be https in production")
        if self.oidc_redirect_base_url is None or not self.oidc_return_urls:
            raise ValueError(
                "OIDC providers need AZORA_OIDC_REDIRECT_BASE_URL (where browsers reach the "
                "ingress) and AZORA_OIDC_RETURN_URLS (where a sign-in may return to)"
            )
        for url in self.oidc_return_urls:
            if problem := return_url_problem(url):
                raise ValueError(f"AZORA_OIDC_RETURN_URLS: {problem}")
        return self
