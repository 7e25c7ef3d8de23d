"""The bodies the ingress takes: strict (an unknown field is refused), and no string
anywhere in them may hold a NUL, which Postgres cannot store."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    field_validator,
    model_validator,
)

from schemas.account_fields import DisplayName
from schemas.learning import Level, Title
from schemas.money import AmountMinor, Currency
from schemas.password_policy import MAX_LENGTH, MIN_LENGTH, POLICY, policy_violations
from schemas.payments import Purpose
from schemas.tutor import Level as PathLevel


def _normalise_email(value: str) -> str:
    return value.strip().lower()


# The full address check happens here, at the edge; events then only re-check the shape.
Email = Annotated[EmailStr, AfterValidator(_normalise_email)]


# Postgres stores no NUL in `text` or `jsonb`: a command carrying one would be accepted
# here and then refused by every consumer that writes it down.
NUL = "\x00"
NUL_REFUSED = "must not contain the NUL character (\\u0000)"


def _without_nul(value: Any) -> Any:
    """`value` as it is, if no string in it (at any depth) holds a NUL; else a ValueError."""
    if isinstance(value, str):
        if NUL in value:
            raise ValueError(NUL_REFUSED)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _without_nul(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _without_nul(key)
            _without_nul(item)
    # Nested request models checked their own fields already; other values (numbers,
    # UUIDs, dates) cannot hold a NUL.
    return value


class _Request(BaseModel):
    """Every request body: strict, and no string anywhere in it with a NUL.

    The NUL rule is the base's, so every field of every request model has it, however it
    is declared; the error names the field (`loc`), nested models' fields included.
    """

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_nul(cls, value: Any) -> Any:
        return _without_nul(value)


# Accounts


class RegisterRequest(_Request):
    """A new account."""

    email: Email
    password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH, description=POLICY)
    display_name: DisplayName

    @model_validator(mode="after")
    def _password_policy(self) -> RegisterRequest:
        problems = policy_violations(self.password, self.email)
        if problems:
            raise ValueError("password " + "; ".join(problems))
        return self


TotpCode = Annotated[str, Field(pattern=r"^[0-9]{6}$", description="From the authenticator")]
RecoveryCode = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z2-7]{4}(-?[A-Za-z2-7]{4}){3}$",
        description="One of the recovery codes shown when MFA was turned on; works once",
    ),
]


class LoginRequest(_Request):
    """Credentials, and once MFA is on a TOTP code or one of the recovery codes."""

    email: Email
    password: str = Field(min_length=1, max_length=256)
    totp_code: TotpCode | None = None
    recovery_code: RecoveryCode | None = None


class RefreshRequest(_Request):
    """A refresh token from login or an earlier refresh."""

    refresh_token: str = Field(min_length=1, max_length=4096)


# Proof of a fresh sign-in with a provider (POST /v1/auth/oidc/reauthentication): where a
# password is asked, an account without one sends this instead.
ReauthenticationToken = Annotated[
    str,
    Field(
        min_length=1,
        max_length=4096,
        description="From a fresh sign-in with a provider; stands in for the password",
    ),
]


class MfaSetupRequest(_Request):
    """With MFA already on, starting over needs the password, a current code, or a
    re-authentication with a provider."""

    password: str | None = Field(default=None, min_length=1, max_length=256)
    totp_code: TotpCode | None = None
    reauthentication_token: ReauthenticationToken | None = None


class MfaVerifyRequest(_Request):
    """A code from the new authenticator, proving the secret was loaded; with MFA already
    on (replacing the authenticator), also the password or a current code of the old one."""

    code: str = Field(pattern=r"^[0-9]{6}$")
    password: str | None = Field(default=None, min_length=1, max_length=256)
    totp_code: TotpCode | None = None
    reauthentication_token: ReauthenticationToken | None = None


class MfaDisableRequest(_Request):
    """Turning MFA off: the password (or, for an account without one, a re-authentication
    with a provider), and a current code or a recovery code."""

    password: str | None = Field(default=None, min_length=1, max_length=256)
    reauthentication_token: ReauthenticationToken | None = None
    totp_code: TotpCode | None = None
    recovery_code: RecoveryCode | None = None

    @model_validator(mode="after")
    def _one_second_factor(self) -> MfaDisableRequest:
        if (self.totp_code is None) == (self.recovery_code is None):
            raise ValueError("send exactly one of totp_code and recovery_code")
        if (self.password is None) == (self.reauthentication_token is None):
            raise ValueError("send exactly one of password and reauthentication_token")
        return self


class AccountErasureRequest(_Request):
    """Erasing the account: the password (or, for an account without one, a re-authentication
    with a provider), and a current code or a recovery code when MFA is on."""

    password: str | None = Field(default=None, min_length=1, max_length=256)
    reauthentication_token: ReauthenticationToken | None = None
    totp_code: TotpCode | None = None
    recovery_code: RecoveryCode | None = None

    @model_validator(mode="after")
    def _one_of_each(self) -> AccountErasureRequest:
        if (self.password is None) == (self.reauthentication_token is None):
            raise ValueError("send exactly one of password and reauthentication_token")
        if self.totp_code is not None and self.recovery_code is not None:
            raise ValueError("send at most one of totp_code and recovery_code")
        return self


# Learning


class LessonIn(_Request):
    """A lesson as an instructor writes it."""

    title: Title
    content: str = Field(min_length=1, max_length=100_000)


class ModuleIn(_Request):
    """A module as an instructor writes it."""

    title: Title
    lessons: list[LessonIn] = Field(min_length=1, max_length=200)


class CourseRequest(_Request):
    """A course to publish; `price_minor` 0 makes it free."""

    title: Title
    description: str = Field(min_length=1, max_length=10_000)
    category: str = Field(min_length=1, max_length=100)
    level: Level
    price_minor: int = Field(ge=0, le=100_000_000)
    currency: Currency = "EUR"
    modules: list[ModuleIn] = Field(min_length=1, max_length=100)


class EnrollmentRequest(_Request):
    """Enrol in a course; a paid one is paid from the wallet or by card."""

    course_id: uuid.UUID
    pay_with: Literal["wallet", "card"] = "wallet"


class ProgressRequest(_Request):
    """A finished lesson."""

    course_id: uuid.UUID
    lesson_id: uuid.UUID


# Money


class PaymentRequest(_Request):
    """A card payment to start: a wallet top-up, or a course purchase (with `course_id`)."""

    amount_minor: AmountMinor
    currency: Currency
    purpose: Purpose
    course_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _course_for_purchases(self) -> PaymentRequest:
        if (self.purpose == "course_purchase") != (self.course_id is not None):
            raise ValueError("course_id is required for a course purchase, and only then")
        return self


class TransferRequest(_Request):
    """Money to move from the caller's wallet to another user's."""

    to_user_id: uuid.UUID
    amount_minor: AmountMinor
    currency: Currency


# Tutor


class QuestionRequest(_Request):
    """A question, optionally about a lesson, optionally continuing a conversation."""

    question: str = Field(min_length=1, max_length=4000)
    course_id: uuid.UUID | None = None
    lesson_id: uuid.UUID | None = None
    conversation_id: uuid.UUID | None = None


class PathRequest(_Request):
    """What a learning path is for."""

    subject: str = Field(min_length=1, max_length=200)
    level: PathLevel
    goals: list[str] = Field(min_length=1, max_length=10)
