"""The bodies the ingress answers with, and its problem documents."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)


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
