"""Learning's rules: how an enrolment request goes, and what a finished lesson counts for."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from consumers.learning.rules import (
    ALREADY_ENROLLED,
    NOT_A_LESSON,
    NOT_ENROLLED,
    UNKNOWN_COURSE,
    Course,
    Live,
    abandoned_checkout,
    completion_refused,
    decide,
    progressed,
    superseded,
    unneeded_payment_refund,
)
from schemas.learning import (
    EnrollmentConfirmed,
    EnrollmentRejected,
    EnrollmentRequested,
    LessonCompletionRequested,
    enrollment_payment_id,
)
from schemas.payments import PaymentRequested
from schemas.wallet import WalletDebitRequested

AT = datetime(2026, 1, 1, tzinfo=UTC)
LESSONS = (uuid.uuid4(), uuid.uuid4(), uuid.uuid4())


def a_request(pay_with: str = "wallet") -> EnrollmentRequested:
    return EnrollmentRequested(
        enrollment_id=uuid.uuid4(), user_id=uuid.uuid4(), course_id=uuid.uuid4(), pay_with=pay_with
    )


def test_an_unknown_course_or_a_second_enrolment_is_rejected_and_not_recorded() -> None:
    unknown = decide(a_request(), None, False, AT)
    again = decide(a_request(), Course(0, "EUR", LESSONS), True, AT)
    assert unknown.status is None
    assert isinstance(unknown.emit, EnrollmentRejected)
    assert unknown.emit.reason == UNKNOWN_COURSE
    assert again.status is None
    assert isinstance(again.emit, EnrollmentRejected)
    assert again.emit.reason == ALREADY_ENROLLED


def test_a_free_course_confirms_at_once() -> None:
    decision = decide(a_request(), Course(0, "EUR", LESSONS), False, AT)
    assert decision.status == "confirmed"
    assert isinstance(decision.emit, EnrollmentConfirmed)
    assert decision.emit.total_lessons == 3


def test_a_paid_course_asks_the_wallet_or_the_card() -> None:
    by_wallet = a_request("wallet")
    by_card = a_request("card")
    wallet = decide(by_wallet, Course(1500, "EUR", LESSONS), False, AT)
    card = decide(by_card, Course(1500, "EUR", LESSONS), False, AT)
    assert wallet.status == card.status == "awaiting_payment"
    assert isinstance(wallet.emit, WalletDebitRequested)
    assert wallet.emit.reference == by_wallet.enrollment_id
    assert isinstance(card.emit, PaymentRequested)
    assert card.emit.payment_id == enrollment_payment_id(by_card.enrollment_id)
    assert card.emit.amount_minor == 1500


def a_completion(lesson_id: uuid.UUID) -> LessonCompletionRequested:
    return LessonCompletionRequested(
        user_id=uuid.uuid4(), course_id=uuid.uuid4(), lesson_id=lesson_id, completed_at=AT
    )


def test_a_lesson_counts_only_in_a_confirmed_enrolment_of_its_course() -> None:
    outside = completion_refused(a_completion(LESSONS[0]), None)
    stranger = completion_refused(a_completion(uuid.uuid4()), LESSONS)
    assert outside is not None
    assert outside.reason == NOT_ENROLLED
    assert stranger is not None
    assert stranger.reason == NOT_A_LESSON
    assert completion_refused(a_completion(LESSONS[1]), LESSONS) is None


def test_progress_is_the_share_of_lessons_done_rounded_down() -> None:
    progress = progressed(a_completion(LESSONS[0]), uuid.uuid4(), LESSONS[:2], len(LESSONS))
    assert (progress.completed_lessons, progress.total_lessons) == (2, 3)
    assert progress.progress_percent == 66


def test_only_a_card_checkout_waiting_for_its_payment_is_superseded() -> None:
    user, course, payment = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    checkout = Live(uuid.uuid4(), user, course, "awaiting_payment", payment, uuid.uuid4())
    assert abandoned_checkout(checkout)
    assert not abandoned_checkout(Live(uuid.uuid4(), user, course, "awaiting_payment", None, None))
    assert not abandoned_checkout(Live(uuid.uuid4(), user, course, "confirmed", payment, None))
    rejected, cancel = superseded(checkout)
    assert rejected.enrollment_id == checkout.enrollment_id
    assert cancel.payment_id == payment


def test_a_payment_that_came_too_late_for_its_enrolment_is_given_back() -> None:
    payment, user = uuid.uuid4(), uuid.uuid4()
    refund = unneeded_payment_refund(payment, user, "rejected")
    assert refund is not None
    assert refund.payment_id == payment
    assert unneeded_payment_refund(payment, user, "confirmed") is None
