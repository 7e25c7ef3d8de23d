"""Calls of accounts, MFA, commands and the service endpoints."""

from __future__ import annotations

import uuid

from pydantic import BaseModel

from schemas import api
from stack.client.calls.base import Call, body_of


# Accounts
def register(
    email: str, password: str, display_name: str, key: str | None
) -> Call[api.RegistrationAccepted]:
    """POST /v1/auth/register."""
    body = body_of(api.RegisterRequest(email=email, password=password, display_name=display_name))
    return Call("POST", "/v1/auth/register", api.RegistrationAccepted, body, idempotency_key=key)


def login(email: str, password: str, totp_code: str | None) -> Call[api.Tokens]:
    """POST /v1/auth/login."""
    body = body_of(api.LoginRequest(email=email, password=password, totp_code=totp_code))
    return Call("POST", "/v1/auth/login", api.Tokens, body)


def refresh(refresh_token: str) -> Call[api.Tokens]:
    """POST /v1/auth/refresh."""
    body = body_of(api.RefreshRequest(refresh_token=refresh_token))
    return Call("POST", "/v1/auth/refresh", api.Tokens, body)


def logout(refresh_token: str) -> Call[BaseModel]:
    """POST /v1/auth/logout."""
    body = body_of(api.RefreshRequest(refresh_token=refresh_token))
    return Call("POST", "/v1/auth/logout", None, body)


def me() -> Call[api.Me]:
    """GET /v1/me."""
    return Call("GET", "/v1/me", api.Me)


def mfa_setup(password: str | None = None, totp_code: str | None = None) -> Call[api.MfaSetup]:
    """POST /v1/auth/mfa/setup (with MFA on: the password or a current code)."""
    body = body_of(api.MfaSetupRequest(password=password, totp_code=totp_code))
    return Call("POST", "/v1/auth/mfa/setup", api.MfaSetup, body or None)


def mfa_verify(
    code: str, key: str | None, *, password: str | None = None, totp_code: str | None = None
) -> Call[api.MfaVerifyAccepted]:
    """POST /v1/auth/mfa/verify; the answer holds the recovery codes, shown this once."""
    body = body_of(api.MfaVerifyRequest(code=code, password=password, totp_code=totp_code))
    return Call("POST", "/v1/auth/mfa/verify", api.MfaVerifyAccepted, body, idempotency_key=key)


def mfa_disable(
    password: str | None,
    totp_code: str | None = None,
    recovery_code: str | None = None,
    key: str | None = None,
    *,
    reauthentication_token: str | None = None,
) -> Call[api.Accepted]:
    """POST /v1/auth/mfa/disable: the password (or a re-authentication token from a
    provider), and a current code or a recovery code."""
    body = body_of(
        api.MfaDisableRequest(
            password=password,
            reauthentication_token=reauthentication_token,
            totp_code=totp_code,
            recovery_code=recovery_code,
        )
    )
    return Call("POST", "/v1/auth/mfa/disable", api.Accepted, body, idempotency_key=key)


def delete_account(
    password: str | None,
    totp_code: str | None = None,
    recovery_code: str | None = None,
    key: str | None = None,
    *,
    reauthentication_token: str | None = None,
) -> Call[api.Accepted]:
    """DELETE /v1/me: the password (or a re-authentication token from a provider), and a
    current code or a recovery code when MFA is on."""
    body = body_of(
        api.AccountErasureRequest(
            password=password,
            reauthentication_token=reauthentication_token,
            totp_code=totp_code,
            recovery_code=recovery_code,
        )
    )
    return Call("DELETE", "/v1/me", api.Accepted, body, idempotency_key=key)


# Commands
def command(command_id: uuid.UUID | str, wait: float) -> Call[api.CommandStatus]:
    """GET /v1/commands/{id}?wait=."""
    params = {"wait": wait} if wait else {}
    return Call(
        "GET", f"/v1/commands/{command_id}", api.CommandStatus, params=params, timeout=wait + 10
    )


# The service
def liveness() -> Call[BaseModel]:
    """GET /healthz (its answer is read as JSON)."""
    return Call("GET", "/healthz", None)


def readiness() -> Call[BaseModel]:
    """GET /readyz (200 or 503, each with the checks)."""
    return Call("GET", "/readyz", None)


def metrics() -> Call[BaseModel]:
    """GET /metrics (Prometheus text)."""
    return Call("GET", "/metrics", None)


def asyncapi() -> Call[BaseModel]:
    """GET /asyncapi (the AsyncAPI document, JSON)."""
    return Call("GET", "/asyncapi", None)
