"""The HTTP ingress: where it listens, the bounds on what it reads, whom it believes and
lets in (proxies, browser origins), and what it serves besides the API."""

from __future__ import annotations

import re
from typing import Annotated, Any, Self

from pydantic import Field, IPvAnyNetwork, field_validator, model_validator
from pydantic_settings import NoDecode

from azora.environment_settings import EnvironmentSettings
from azora.setting_lists import comma_separated

ORIGIN = re.compile(r"https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?")


class IngressSettings(EnvironmentSettings):
    """Host and port, body limits, trusted proxies, CORS, the portal and development controls."""

    ingress_host: str = "127.0.0.1"
    ingress_port: int = 8000
    # Request bodies, refused with 413 while they are read (`producers/ingress/body_limits.py`).
    # 1 MiB: the largest record a consumer decodes (`consumer_max_record_bytes`), so a larger
    # command could not be carried anyway. Stripe's webhook events are republished whole in a
    # Kafka record and are at most a few hundred KB: half a MiB leaves the envelope room.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    webhook_max_body_bytes: int = Field(default=512 * 1024, ge=1024)
    # JSON bodies nested deeper than this are refused with 422 before they are parsed. Azora's
    # requests nest 4 deep, Stripe's events about 10; the parser's own limit is ~1000.
    max_json_depth: int = Field(default=32, ge=4, le=500)
    # Proxies whose X-Forwarded-For is believed (CIDRs, comma-separated). Empty: the socket's
    # peer is the client, whatever headers it sends (`producers/ingress/client_address.py`).
    trusted_proxies: Annotated[tuple[IPvAnyNetwork, ...], NoDecode] = ()
    # Browser apps on these origins may call the API (CORS; comma-separated, each
    # `scheme://host[:port]`). Empty, the default: no CORS headers at all, so browsers keep
    # other origins out. Credentials (cookies) are off unless asked for: the API takes
    # bearer tokens in a header, which needs none.
    cors_allow_origins: Annotated[tuple[str, ...], NoDecode] = ()
    cors_allow_credentials: bool = False
    cors_max_age_s: int = Field(default=600, ge=0, le=86_400)
    # The student portal's built files (`make portal` writes them), served at /portal/ when
    # the folder exists; empty: not served (a static host elsewhere serves it).
    portal_dir: str = "web/portal/dist"
    # Development only (stripe-mock): lets a signed-in user settle their own card payment
    # through a webhook the ingress signs itself. Refused in production.
    dev_payment_controls: bool = False

    @field_validator("cors_allow_origins", "trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        return comma_separated(value)

    @field_validator("cors_allow_origins")
    @classmethod
    def _origins_only(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        # An origin is scheme, host and port: a path or a trailing slash never matches the
        # Origin header a browser sends, so it would silently allow nothing.
        for origin in origins:
            if origin != "*" and not ORIGIN.fullmatch(origin):
                raise ValueError(f"{origin!r} is not an origin (scheme://host[:port])")
        return origins

    @model_validator(mode="after")
    def _no_wildcard_with_credentials(self) -> Self:
        if self.cors_allow_credentials and "*" in self.cors_allow_origins:
            raise ValueError(
                "AZORA_CORS_ALLOW_ORIGINS='*' with credentials would let every site act as "
                "the signed-in user: name the origins"
            )
        return self

    @model_validator(mode="after")
    def _no_dev_controls_in_production(self) -> Self:
        if self.env == "production" and self.dev_payment_controls:
            raise ValueError(
                "AZORA_DEV_PAYMENT_CONTROLS lets users settle their own payments: "
                "never in production"
            )
        return self
