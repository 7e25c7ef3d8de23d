"""Accounts, MFA, commands and the service's own endpoints."""

from __future__ import annotations

from typing import Any, Literal

import stack.client.calls as calls
from schemas import api
from stack.client.base import (
    Blocking,
    Command,
    checked,
    command_id_of,
    operation,
    redirect_target,
)


class AccountMethods(Blocking):
    @operation("register")
    def register(
        self, email: str, password: str, display_name: str, *, idempotency_key: str | None = None
    ) -> api.RegistrationAccepted:
        """Ask for an account."""
        return self.run(calls.register(email, password, display_name, idempotency_key))

    @operation("getCommandStatus")
    def wait(self, command: Command, seconds: float = 10.0) -> api.CommandStatus:
        """A command's status, held until it settles (or `seconds` pass)."""
        return self.run(calls.command(command_id_of(command), seconds))

    @operation("login")
    def login(self, email: str, password: str, totp_code: str | None = None) -> api.Tokens:
        """Log in, and use the access token from now on."""
        return self._remember(self.run(calls.login(email, password, totp_code)))

    @operation("refreshTokens")
    def refresh(self) -> api.Tokens:
        """Rotate the tokens."""
        return self._remember(self.run(calls.refresh(self._refresh_token())))

    @operation("logout")
    def logout(self) -> None:
        """End the session, and forget its tokens."""
        self._send(calls.logout(self._refresh_token()))
        self.token = self.refresh_token = None

    @operation("getMe")
    def me(self) -> api.Me:
        """The caller's profile."""
        return self.run(calls.me())

    @operation("setUpMfa")
    def mfa_setup(
        self, *, password: str | None = None, totp_code: str | None = None
    ) -> api.MfaSetup:
        """A new TOTP secret (with MFA already on: the password or a current code)."""
        return self.run(calls.mfa_setup(password, totp_code))

    @operation("verifyMfa")
    def mfa_verify(
        self,
        code: str,
        *,
        password: str | None = None,
        totp_code: str | None = None,
        idempotency_key: str | None = None,
    ) -> api.MfaVerifyAccepted:
        """Turn MFA on with a code of the new secret; answers the recovery codes, once."""
        return self.run(
            calls.mfa_verify(code, idempotency_key, password=password, totp_code=totp_code)
        )

    @operation("disableMfa")
    def mfa_disable(
        self,
        password: str | None,
        *,
        totp_code: str | None = None,
        recovery_code: str | None = None,
        idempotency_key: str | None = None,
        reauthentication_token: str | None = None,
    ) -> api.Accepted:
        """Turn MFA off: the password (or a provider's re-authentication token), and a
        current code or a recovery code."""
        call = calls.mfa_disable(
            password,
            totp_code,
            recovery_code,
            idempotency_key,
            reauthentication_token=reauthentication_token,
        )
        return self.run(call)

    @operation("deleteAccount")
    def delete_account(
        self,
        password: str | None,
        *,
        totp_code: str | None = None,
        recovery_code: str | None = None,
        idempotency_key: str | None = None,
        reauthentication_token: str | None = None,
    ) -> api.Accepted:
        """Erase this account for good (identity forgets the user; read models drop their
        rows): the password (or a provider's re-authentication token), and a current code
        or a recovery code when MFA is on."""
        call = calls.delete_account(
            password,
            totp_code,
            recovery_code,
            idempotency_key,
            reauthentication_token=reauthentication_token,
        )
        return self.run(call)

    @operation("listSignInProviders")
    def sign_in_providers(self) -> api.SignInProviders:
        """The configured OpenID Connect providers, each with the URL a browser starts at."""
        return self.run(calls.sign_in_providers())

    @operation("startProviderSignIn")
    def start_provider_sign_in(
        self, provider: str, *, return_to: str | None = None, ticket: str | None = None
    ) -> str:
        """Where the provider's sign-in starts (the 302's Location); a browser navigates
        there itself, with the flow's cookie this answer sets."""
        return redirect_target(
            self._response(calls.start_provider_sign_in(provider, return_to, ticket))
        )

    @operation("completeProviderSignIn")
    def complete_provider_sign_in(self, provider: str, params: dict[str, str]) -> str:
        """Where the callback sends the browser back to (with the one-time `oidc_code`)."""
        return redirect_target(self._response(calls.complete_provider_sign_in(provider, params)))

    @operation("exchangeProviderCode")
    def exchange_provider_code(
        self, code: str, *, totp_code: str | None = None, recovery_code: str | None = None
    ) -> api.Tokens:
        """Tokens for the one-time code a provider sign-in returned with; used from now on."""
        return self._remember(
            self.run(calls.exchange_provider_code(code, totp_code, recovery_code))
        )

    @operation("createProviderTicket")
    def provider_ticket(
        self,
        provider: str,
        purpose: Literal["link", "reauthenticate"],
        *,
        password: str | None = None,
        reauthentication_token: str | None = None,
        totp_code: str | None = None,
    ) -> api.ProviderTicket:
        """Where a browser goes to link a provider or re-authenticate with it."""
        call = calls.provider_ticket(
            provider,
            purpose,
            password=password,
            reauthentication_token=reauthentication_token,
            totp_code=totp_code,
        )
        return self.run(call)

    @operation("exchangeReauthenticationCode")
    def exchange_reauthentication_code(self, code: str) -> api.Reauthenticated:
        """A short-lived re-authentication token for a provider round-trip's code."""
        return self.run(calls.exchange_reauthentication_code(code))

    @operation("checkLiveness")
    def liveness(self) -> dict[str, Any]:
        """Whether the ingress process lives."""
        answer: dict[str, Any] = checked(self._response(calls.liveness())).json()
        return answer

    @operation("checkReadiness")
    def readiness(self) -> dict[str, Any]:
        """The readiness checks (Kafka, Postgres, the tutor), ready or not (200 or 503)."""
        answer: dict[str, Any] = self._response(calls.readiness()).json()
        return answer

    @operation("getMetrics")
    def metrics(self) -> str:
        """The ingress's Prometheus metrics, as text."""
        return checked(self._response(calls.metrics())).text

    @operation("getAsyncApiDocument")
    def asyncapi(self) -> dict[str, Any]:
        """The AsyncAPI document of every topic."""
        answer: dict[str, Any] = checked(self._response(calls.asyncapi())).json()
        return answer
