"""The HTTP bodies of sign-in with an OpenID Connect provider (docs/api.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from schemas.api.requests import RecoveryCode, TotpCode, _Request


class SignInProvider(BaseModel):
    """A provider a person can sign in with: a button's label and where it goes."""

    name: str
    display_name: str
    start_url: str = Field(description="Navigate the browser here (add ?return_to=)")


class SignInProviders(BaseModel):
    """The providers configured (none: sign-in with a provider is off)."""

    providers: list[SignInProvider]


class ProviderCodeRequest(_Request):
    """The code the callback returned with (`oidc_code`), and a second factor when the
    account has MFA on."""

    code: str = Field(min_length=1, max_length=4096)
    totp_code: TotpCode | None = None
    recovery_code: RecoveryCode | None = None


class ReauthenticationCodeRequest(_Request):
    """The code a re-authentication with a provider returned with (`reauthentication_code`)."""

    code: str = Field(min_length=1, max_length=4096)


class Reauthenticated(BaseModel):
    """Proof of a fresh sign-in: send it as `reauthentication_token` where a password is
    asked (turning MFA off, replacing the authenticator, linking a provider)."""

    reauthentication_token: str
    expires_in: int


class ProviderTicketRequest(_Request):
    """Starting a link or a re-authentication with a provider while signed in.

    Linking needs the password or a `reauthentication_token`, and a second factor when MFA
    is on: a stolen access token alone must not attach someone else's provider account.
    """

    purpose: Literal["link", "reauthenticate"]
    password: str | None = Field(default=None, min_length=1, max_length=256)
    reauthentication_token: str | None = Field(default=None, min_length=1, max_length=4096)
    totp_code: TotpCode | None = None
    recovery_code: RecoveryCode | None = None

    @model_validator(mode="after")
    def _one_second_factor_at_most(self) -> ProviderTicketRequest:
        if self.totp_code is not None and self.recovery_code is not None:
            raise ValueError("send at most one of totp_code and recovery_code")
        return self


class ProviderTicket(BaseModel):
    """Navigate the browser to `start_url` (add `&return_to=`) within `expires_in` seconds."""

    ticket: str
    start_url: str
    expires_in: int
