"""The HTTP contract: the bodies the ingress takes and answers, the typed client sends and reads.

Request bodies are strict (an unknown field is refused), unlike events, which readers take
tolerantly. The ingress serves these models; `stack.client` builds its bodies from them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
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

from schemas.accounts import DisplayName
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


class MfaSetupRequest(_Request):
    """With MFA already on, starting over needs the password or a current code."""

    password: str | None = Field(default=None, min_length=1, max_length=256)
    totp_code: TotpCode | None = None


class MfaVerifyRequest(_Request):
    """A code from the new authenticator, proving the secret was loaded; with MFA already
    on (replacing the authenticator), also the password or a current code of the old one."""

    code: str = Field(pattern=r"^[0-9]{6}$")
    password: str | None = Field(default=None, min_length=1, max_length=256)
    totp_code: TotpCode | None = None


class MfaDisableRequest(_Request):
    """Turning MFA off: the password, and a current code or a recovery code."""

    password: str = Field(min_length=1, max_length=256)
    totp_code: TotpCode | None = None
    recovery_code: RecoveryCode | None = None

    @model_validator(mode="after")
    def _one_second_factor(self) -> MfaDisableRequest:
        if (self.totp_code is None) == (self.recovery_code is None):
            raise ValueError("send exactly one of totp_code and recovery_code")
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


# Answers


class Accepted(BaseModel):
    """A command was accepted; its outcome appears at `status_url`."""

    model_config = ConfigDict(extra="allow")

    command_id: uuid.UUID
    status_url: str


class CommandStatus(BaseModel):
    """A command's outcome as far as it is known."""

    command_id: uuid.UUID
    status: Literal["pending", "succeeded", "rejected"]
    reason: str | None = None
    links: dict[str, str] = {}


class FieldError(BaseModel):
    """Where a request was wrong, and how."""

    loc: list[str | int]
    msg: str


class ProblemDocument(BaseModel):
    """The body of every error answer."""

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] = []


class RegistrationAccepted(Accepted):
    """Registration accepted; `user_id` is the account it will create."""

    user_id: uuid.UUID


class Tokens(BaseModel):
    """What login and refresh answer."""

    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class Me(BaseModel):
    """The caller's profile."""

    user_id: uuid.UUID
    email: str
    display_name: str
    roles: list[str]
    mfa_enabled: bool


class MfaSetup(BaseModel):
    """A new TOTP secret to load into an authenticator app."""

    secret: str
    otpauth_uri: str


class MfaVerifyAccepted(Accepted):
    """MFA verification accepted; the recovery codes work once it succeeds.

    Shown only here: store them now. Each works once, in place of a TOTP code.
    """

    recovery_codes: list[str]


class CourseAccepted(Accepted):
    """Publishing accepted; the course will be at `/v1/courses/{course_id}`."""

    course_id: uuid.UUID


class CourseSummary(BaseModel):
    """A course in a listing."""

    course_id: uuid.UUID
    instructor_id: uuid.UUID
    title: str
    description: str
    category: str
    level: str
    price_minor: int
    currency: str
    published_at: datetime


class LessonView(BaseModel):
    """A lesson of a course; `content` only for those who may read it."""

    lesson_id: uuid.UUID
    title: str
    content: str | None = Field(
        default=None,
        description="The lesson's text: present only for enrolled learners, the course's "
        "instructor and admins; absent from the public outline",
    )


class ModuleView(BaseModel):
    """A module of a course, with its lessons."""

    module_id: uuid.UUID
    title: str
    lessons: list[LessonView]


class Course(CourseSummary):
    """A course with its modules and lessons (the outline is public, the content is not)."""

    modules: list[ModuleView]


class CoursePage(BaseModel):
    """Published courses, best match (or newest) first."""

    items: list[CourseSummary]


class EnrollmentAccepted(Accepted):
    """Enrolment accepted; it settles (confirmed or rejected with a reason) at `status_url`.

    Paid by card, `payment_id` names the payment whose `client_secret` the frontend confirms.
    """

    enrollment_id: uuid.UUID
    payment_id: uuid.UUID | None = None


class Enrollment(BaseModel):
    """One of the caller's enrolments."""

    enrollment_id: uuid.UUID
    course_id: uuid.UUID
    status: str
    reason: str | None
    completed_lessons: int
    total_lessons: int | None
    progress_percent: int
    updated_at: datetime


class Enrollments(BaseModel):
    """The caller's enrolments, most recently changed first."""

    items: list[Enrollment]


class PaymentAccepted(Accepted):
    """A payment was accepted; poll `/v1/payments/{payment_id}` for its client_secret."""

    payment_id: uuid.UUID


class Payment(BaseModel):
    """A payment as the caller sees it."""

    payment_id: uuid.UUID
    status: str
    amount_minor: int | None
    currency: str | None
    purpose: str | None
    client_secret: str | None = None
    reason: str | None = None
    # How much Stripe has refunded: the whole amount when `refunded`, part of it when
    # `partially_refunded`.
    refunded_minor: int | None = None
    updated_at: datetime


class BalanceLine(BaseModel):
    """One currency's balance."""

    currency: str
    balance_minor: int


class Wallet(BaseModel):
    """The caller's balances."""

    balances: list[BalanceLine]


class Transaction(BaseModel):
    """A ledger entry: positive credits, negative debits."""

    entry_id: uuid.UUID
    currency: str
    amount_minor: int
    reason: str
    reference: uuid.UUID
    balance_after_minor: int
    at: datetime


class TransactionPage(BaseModel):
    """Newest first; pass `next` as `before` for the following page (null on the last)."""

    items: list[Transaction]
    next: str | None


class TransferAccepted(Accepted):
    """A transfer was accepted; `transfer_id` names it in the ledger."""

    transfer_id: uuid.UUID


class QuestionAccepted(Accepted):
    """A question was accepted; its answer appears at `/v1/tutor/questions/{question_id}`."""

    question_id: uuid.UUID
    conversation_id: uuid.UUID


class Question(BaseModel):
    """A tutor question: pending, answered (with model and usage), or failed with a reason."""

    question_id: uuid.UUID
    status: str
    answer: str | None = None
    model: str | None = None
    usage: dict[str, int] | None = None
    reason: str | None = None


class PathAccepted(Accepted):
    """A learning path was requested; it appears at `/v1/learning-paths/{path_id}`."""

    path_id: uuid.UUID


class LearningPath(BaseModel):
    """A learning path: pending, generated with its steps, or failed with a reason."""

    path_id: uuid.UUID
    status: str
    steps: list[dict[str, Any]] = []
    model: str | None = None
    reason: str | None = None


# Admin: dead letters


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class DeadLetterSummary(_Out):
    """Where a dead letter failed, in which group, and why."""

    id: uuid.UUID
    dlq_topic: str
    dlq_partition: int
    dlq_offset: int
    origin_topic: str | None
    origin_partition: int | None
    origin_offset: int | None
    group: str | None
    error: str
    error_kind: str | None
    attempts: int | None
    failed_at: datetime
    event_id: uuid.UUID | None
    event_type: str | None
    redriven_at: datetime | None
    redriven_by: str | None


class DeadLetterPage(_Out):
    """Dead letters, newest first."""

    items: list[DeadLetterSummary]


class RecordBytes(_Out):
    """A key or value: parsed when JSON, as text when UTF-8, and always as base64."""

    size: int
    parsed: Any | None
    text: str | None
    base64: str


class RecordHeader(_Out):
    """One Kafka header: its value as text when UTF-8, and always as base64."""

    name: str
    value: str | None
    value_base64: str


class DeadLetter(DeadLetterSummary):
    """A dead letter with its original record: headers, key and value."""

    headers: list[RecordHeader]
    key: RecordBytes | None
    value: RecordBytes


class RedriveAccepted(_Out):
    """The record went back to its topic; the dead letter is marked once that is projected."""

    dead_letter_id: uuid.UUID
    origin_topic: str
    redriven_at: datetime
    redriven_by: str
