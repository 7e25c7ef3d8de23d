"""Accounts, MFA, commands and the service's own endpoints."""

from __future__ import annotations

from typing import Any

import stack.client.calls as calls
from schemas import api
from stack.client.base import Blocking, Command, checked, command_id_of, operation


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
        password: str,
        *,
        totp_code: str | None = None,
        recovery_code: str | None = None,
        idempotency_key: str | None = None,
    ) -> api.Accepted:
        """Turn MFA off: the password, and a current code or a recovery code."""
        return self.run(calls.mfa_disable(password, totp_code, recovery_code, idempotency_key))

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
