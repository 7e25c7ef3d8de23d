"""What every ingress route may use, built once by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import asyncpg
from fastapi import Request

from azora.crypto import CREDENTIALS, REGISTRATION, SecretBox
from azora.personal.vault import Vault
from azora.settings import Settings
from producers.ingress.bus import Bus
from producers.ingress.oidc.registry import OidcSignIn
from producers.ingress.passwords import Passwords
from producers.ingress.second_factor import UsedCodes
from producers.ingress.throttle import LoginThrottle, RegistrationThrottle
from producers.ingress.tokens import TokenService
from producers.ingress.waiter import CommandWaiter


@dataclass
class IngressContext:
    """The ingress's dependencies; connections open in the app's lifespan."""

    settings: Settings
    bus: Bus
    tokens: TokenService
    passwords: Passwords
    secrets: SecretBox
    waiter: CommandWaiter
    # The topics' AsyncAPI document, built when first asked for (`stack.composition.asyncapi`).
    asyncapi: Callable[[], dict[str, Any]]
    # Users' personal-data keys, read to seal what they write (identity makes them).
    vault: Vault
    logins: LoginThrottle = field(default_factory=LoginThrottle)
    codes: UsedCodes = field(default_factory=UsedCodes)
    registrations: RegistrationThrottle = field(default_factory=RegistrationThrottle)
    # Sign-in with providers; None: off (no provider configured).
    oidc: OidcSignIn | None = None
    pool: asyncpg.Pool | None = None

    @cached_property
    def registration_box(self) -> SecretBox:
        """The box that seals what a registration or a provider sign-in carries for
        identity (password hash, email, name, the provider's subject)."""
        return self.secrets.for_purpose(REGISTRATION)

    @cached_property
    def credentials_box(self) -> SecretBox:
        """The box that opens the login secrets identity sealed for the ingress alone."""
        return self.secrets.for_purpose(CREDENTIALS)


async def context(request: Request) -> IngressContext:
    """The context of the app serving `request` (a FastAPI dependency).

    Async on purpose: FastAPI runs a plain `def` dependency in a worker thread, a thread
    hop per request that cost an eighth of the ingress's time.
    """
    ctx: IngressContext = request.app.state.ctx
    return ctx
