"""How a deployment names an OpenID Connect provider it signs people in with."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

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
