"""Learning's rules as pure functions: publishing, how an enrolment goes, lesson progress.

Enrolments: free ones confirm at once; paid ones run a saga through the wallet or a card
payment. enrollment.requested → (paid, wallet) wallet.debit_requested → wallet.debited →
enrollment.confirmed, or wallet.debit_rejected → enrollment.rejected. Every event of the
saga keeps the enrolment command's correlation id, so its status settles at the end.

One enrolment per user and course is live (in flight or confirmed). A card checkout
waiting for its payment is not kept forever: a new enrolment request supersedes it (it is
rejected, and its PaymentIntent canceled), and a refunded (revoked) enrolment no longer
counts, so the course can be bought again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from schemas.learning import (
    CoursePublished,
    CoursePublishRequested,
    EnrollmentConfirmed,
    EnrollmentProgressed,
    EnrollmentRejected,
    EnrollmentRequested,
    LessonCompletionRejected,
    LessonCompletionRequested,
    enrollment_payment_id,
)
from schemas.payments import PaymentCancelRequested, PaymentRefundRequested, PaymentRequested
from schemas.wallet import WalletDebitRequested

UNKNOWN_COURSE = "unknown course"
ALREADY_ENROLLED = "already enrolled in this course"
SUPERSEDED = "superseded by a new enrolment in this course"
ABANDONED = "checkout abandoned: superseded by a new enrolment"
NOT_ENROLLED = "not enrolled in this course"
NOT_A_LESSON = "not a lesson of this course"


def published(request: CoursePublishRequested, at: datetime) -> CoursePublished:
    """The fact a publish request becomes."""
    return CoursePublished(**request.model_dump(), published_at=at)


@dataclass(frozen=True)
class Course:
    """What enrolment needs to know of a course."""

    price_minor: int
    currency: str
    lesson_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True)
class Decision:
    """How an enrolment request goes: its status (None: not recorded) and what to emit."""

    status: str | None
    emit: BaseModel


@dataclass(frozen=True)
class Live:
    """An enrolment in flight or confirmed: the one that blocks another for its course."""

    enrollment_id: uuid.UUID
    user_id: uuid.UUID
    course_id: uuid.UUID
    status: str
    payment_id: uuid.UUID | None
    command_id: uuid.UUID | None


def abandoned_checkout(live: Live) -> bool:
    """Whether `live` is a card checkout still waiting for its payment, which a new request
    supersedes (a wallet debit in flight settles by itself in moments, so it is not)."""
    return live.status == "awaiting_payment" and live.payment_id is not None


def superseded(live: Live) -> tuple[EnrollmentRejected, PaymentCancelRequested]:
    """What superseding an abandoned checkout says: the enrolment is rejected, and its
    PaymentIntent is to be canceled (so the old checkout can no longer take money)."""
    if live.payment_id is None:
        raise ValueError("only a card checkout has a payment to cancel")
    return (
        EnrollmentRejected(
            enrollment_id=live.enrollment_id,
            user_id=live.user_id,
            course_id=live.course_id,
            reason=SUPERSEDED,
        ),
        PaymentCancelRequested(payment_id=live.payment_id, user_id=live.user_id, reason=ABANDONED),
    )


def unneeded_payment_refund(
    payment_id: uuid.UUID, user_id: uuid.UUID, enrollment_status: str
) -> PaymentRefundRequested | None:
    """A card payment that succeeded for an enrolment no longer waiting for it (superseded,
    its intent not canceled in time) is given back; None when the enrolment took it."""
    if enrollment_status != "rejected":
        return None
    return PaymentRefundRequested(payment_id=payment_id, user_id=user_id)


def decide(
    request: EnrollmentRequested, course: Course | None, live: bool, at: datetime
) -> Decision:
    """The first step of an enrolment, as a pure function."""
    rejected = {
        "enrollment_id": request.enrollment_id,
        "user_id": request.user_id,
        "course_id": request.course_id,
    }
    if course is None:
        return Decision(None, EnrollmentRejected(**rejected, reason=UNKNOWN_COURSE))
    if live:
        return Decision(None, EnrollmentRejected(**rejected, reason=ALREADY_ENROLLED))
    if course.price_minor == 0:
        return Decision(
            "confirmed",
            EnrollmentConfirmed(**rejected, total_lessons=len(course.lesson_ids), confirmed_at=at),
        )
    if request.pay_with == "card":
        return Decision(
            "awaiting_payment",
            PaymentRequested(
                payment_id=enrollment_payment_id(request.enrollment_id),
                user_id=request.user_id,
                amount_minor=course.price_minor,
                currency=course.currency,
                purpose="course_purchase",
                course_id=request.course_id,
            ),
        )
    return Decision(
        "awaiting_payment",
        WalletDebitRequested(
            debit_id=uuid.uuid5(request.enrollment_id, "debit"),
            user_id=request.user_id,
            amount_minor=course.price_minor,
            currency=course.currency,
            purpose="course_purchase",
            reference=request.enrollment_id,
        ),
    )


def completion_refused(
    request: LessonCompletionRequested, lesson_ids: Sequence[uuid.UUID] | None
) -> LessonCompletionRejected | None:
    """Why a finished lesson does not count (None: it does); `lesson_ids` of the enrolment's
    course, None when the user has no confirmed enrolment in it."""
    if lesson_ids is None:
        reason = NOT_ENROLLED
    elif request.lesson_id not in lesson_ids:
        reason = NOT_A_LESSON
    else:
        return None
    return LessonCompletionRejected(
        user_id=request.user_id,
        course_id=request.course_id,
        lesson_id=request.lesson_id,
        reason=reason,
    )


def progressed(
    request: LessonCompletionRequested,
    enrollment_id: uuid.UUID,
    completed: Sequence[uuid.UUID],
    total_lessons: int,
) -> EnrollmentProgressed:
    """The progress an enrolment has made once `completed` lessons are done."""
    return EnrollmentProgressed(
        enrollment_id=enrollment_id,
        user_id=request.user_id,
        course_id=request.course_id,
        completed_lessons=len(completed),
        total_lessons=total_lessons,
        progress_percent=len(completed) * 100 // total_lessons,
    )
