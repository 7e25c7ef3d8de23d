"""Every API call described once (method, path, body, answer model); both clients run them.

Bodies are built from the contract's request models (`schemas.api`), the ones the ingress
serves: a field renamed there is a type error here, and a body the API would refuse is
refused before it is sent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel

from schemas import api

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Call(Generic[M]):
    """One HTTP request and the model its answer is read into (None: no body)."""

    method: Literal["GET", "POST"]
    path: str
    answer: type[M] | None
    json: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    idempotency_key: str | None = None
    timeout: float | None = None


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: str(v) if isinstance(v, uuid.UUID) else v for k, v in values.items() if v is not None
    }


def _body(request: BaseModel) -> dict[str, Any]:
    """`request` as JSON: what the caller left out (or None) stays out, as before."""
    return request.model_dump(mode="json", exclude_unset=True, exclude_none=True)


# Accounts
def register(
    email: str, password: str, display_name: str, key: str | None
) -> Call[api.RegistrationAccepted]:
    """POST /v1/auth/register."""
    body = _body(api.RegisterRequest(email=email, password=password, display_name=display_name))
    return Call("POST", "/v1/auth/register", api.RegistrationAccepted, body, idempotency_key=key)


def login(email: str, password: str, totp_code: str | None) -> Call[api.Tokens]:
    """POST /v1/auth/login."""
    body = _body(api.LoginRequest(email=email, password=password, totp_code=totp_code))
    return Call("POST", "/v1/auth/login", api.Tokens, body)


def refresh(refresh_token: str) -> Call[api.Tokens]:
    """POST /v1/auth/refresh."""
    body = _body(api.RefreshRequest(refresh_token=refresh_token))
    return Call("POST", "/v1/auth/refresh", api.Tokens, body)


def logout(refresh_token: str) -> Call[BaseModel]:
    """POST /v1/auth/logout."""
    body = _body(api.RefreshRequest(refresh_token=refresh_token))
    return Call("POST", "/v1/auth/logout", None, body)


def me() -> Call[api.Me]:
    """GET /v1/me."""
    return Call("GET", "/v1/me", api.Me)


def mfa_setup(password: str | None = None, totp_code: str | None = None) -> Call[api.MfaSetup]:
    """POST /v1/auth/mfa/setup (with MFA on: the password or a current code)."""
    body = _body(api.MfaSetupRequest(password=password, totp_code=totp_code))
    return Call("POST", "/v1/auth/mfa/setup", api.MfaSetup, body or None)


def mfa_verify(
    code: str, key: str | None, *, password: str | None = None, totp_code: str | None = None
) -> Call[api.MfaVerifyAccepted]:
    """POST /v1/auth/mfa/verify; the answer holds the recovery codes, shown this once."""
    body = _body(api.MfaVerifyRequest(code=code, password=password, totp_code=totp_code))
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
    body = _body(
        api.MfaDisableRequest(
            password=password,
            reauthentication_token=reauthentication_token,
            totp_code=totp_code,
            recovery_code=recovery_code,
        )
    )
    return Call("POST", "/v1/auth/mfa/disable", api.Accepted, body, idempotency_key=key)


# Sign-in with a provider (start and callback are browser navigations, not calls)
def sign_in_providers() -> Call[api.SignInProviders]:
    """GET /v1/auth/oidc/providers."""
    return Call("GET", "/v1/auth/oidc/providers", api.SignInProviders)


def exchange_provider_code(
    code: str, totp_code: str | None = None, recovery_code: str | None = None
) -> Call[api.Tokens]:
    """POST /v1/auth/oidc/token: tokens for the code a provider sign-in returned with."""
    body = _body(
        api.ProviderCodeRequest(code=code, totp_code=totp_code, recovery_code=recovery_code)
    )
    return Call("POST", "/v1/auth/oidc/token", api.Tokens, body)


def provider_ticket(
    provider: str,
    purpose: Literal["link", "reauthenticate"],
    *,
    password: str | None = None,
    reauthentication_token: str | None = None,
    totp_code: str | None = None,
) -> Call[api.ProviderTicket]:
    """POST /v1/auth/oidc/{provider}/tickets: where to navigate to link or re-authenticate."""
    body = _body(
        api.ProviderTicketRequest(
            purpose=purpose,
            password=password,
            reauthentication_token=reauthentication_token,
            totp_code=totp_code,
        )
    )
    return Call("POST", f"/v1/auth/oidc/{provider}/tickets", api.ProviderTicket, body)


def exchange_reauthentication_code(code: str) -> Call[api.Reauthenticated]:
    """POST /v1/auth/oidc/reauthentication: a re-authentication token for the code."""
    body = _body(api.ReauthenticationCodeRequest(code=code))
    return Call("POST", "/v1/auth/oidc/reauthentication", api.Reauthenticated, body)


# Commands
def command(command_id: uuid.UUID | str, wait: float) -> Call[api.CommandStatus]:
    """GET /v1/commands/{id}?wait=."""
    params = {"wait": wait} if wait else {}
    return Call(
        "GET", f"/v1/commands/{command_id}", api.CommandStatus, params=params, timeout=wait + 10
    )


# Learning
def publish_course(
    course: api.CourseRequest | dict[str, Any], key: str | None
) -> Call[api.CourseAccepted]:
    """POST /v1/courses (instructors)."""
    body = _body(api.CourseRequest.model_validate(course))
    return Call("POST", "/v1/courses", api.CourseAccepted, body, idempotency_key=key)


def courses(
    category: str | None, level: str | None, q: str | None, limit: int, offset: int
) -> Call[api.CoursePage]:
    """GET /v1/courses."""
    params = _clean(
        {"category": category, "level": level, "q": q, "limit": limit, "offset": offset}
    )
    return Call("GET", "/v1/courses", api.CoursePage, params=params)


def course(course_id: uuid.UUID | str) -> Call[api.Course]:
    """GET /v1/courses/{id}."""
    return Call("GET", f"/v1/courses/{course_id}", api.Course)


def enrol(
    course_id: uuid.UUID | str, pay_with: str, key: str | None
) -> Call[api.EnrollmentAccepted]:
    """POST /v1/enrollments."""
    body = _body(api.EnrollmentRequest(course_id=course_id, pay_with=pay_with))
    return Call("POST", "/v1/enrollments", api.EnrollmentAccepted, body, idempotency_key=key)


def enrollments() -> Call[api.Enrollments]:
    """GET /v1/enrollments."""
    return Call("GET", "/v1/enrollments", api.Enrollments)


def complete_lesson(
    course_id: uuid.UUID | str, lesson_id: uuid.UUID | str, key: str | None
) -> Call[api.Accepted]:
    """POST /v1/progress."""
    body = _body(api.ProgressRequest(course_id=course_id, lesson_id=lesson_id))
    return Call("POST", "/v1/progress", api.Accepted, body, idempotency_key=key)


# Money
def pay(
    amount_minor: int,
    currency: str,
    purpose: str,
    course_id: uuid.UUID | str | None,
    key: str | None,
) -> Call[api.PaymentAccepted]:
    """POST /v1/payments."""
    body = _body(
        api.PaymentRequest(
            amount_minor=amount_minor, currency=currency, purpose=purpose, course_id=course_id
        )
    )
    return Call("POST", "/v1/payments", api.PaymentAccepted, body, idempotency_key=key)


def payment(payment_id: uuid.UUID | str) -> Call[api.Payment]:
    """GET /v1/payments/{id}."""
    return Call("GET", f"/v1/payments/{payment_id}", api.Payment)


def refund(payment_id: uuid.UUID | str, key: str | None) -> Call[api.Accepted]:
    """POST /v1/payments/{id}/refund."""
    return Call("POST", f"/v1/payments/{payment_id}/refund", api.Accepted, idempotency_key=key)


def wallet() -> Call[api.Wallet]:
    """GET /v1/wallet."""
    return Call("GET", "/v1/wallet", api.Wallet)


def transactions(limit: int, before: str | None) -> Call[api.TransactionPage]:
    """GET /v1/wallet/transactions."""
    return Call(
        "GET",
        "/v1/wallet/transactions",
        api.TransactionPage,
        params=_clean({"limit": limit, "before": before}),
    )


def transfer(
    to_user_id: uuid.UUID | str, amount_minor: int, currency: str, key: str | None
) -> Call[api.TransferAccepted]:
    """POST /v1/wallet/transfers."""
    body = _body(
        api.TransferRequest(to_user_id=to_user_id, amount_minor=amount_minor, currency=currency)
    )
    return Call("POST", "/v1/wallet/transfers", api.TransferAccepted, body, idempotency_key=key)
