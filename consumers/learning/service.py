"""Learning: publishes courses and runs enrolments; owns the `learning` schema."""

from __future__ import annotations

from azora.consume.service import service, subscribe
from consumers.learning import handlers
from schemas import catalogue as topics

LEARNING = service(
    "learning",
    subscribe(topics.COURSE_PUBLISH_REQUESTED, handlers.on_publish_requested),
    subscribe(topics.ENROLLMENT_REQUESTED, handlers.on_enrollment_requested),
    # Transfers and refunds debit wallets too; only course purchases concern enrolments.
    subscribe(
        topics.WALLET_DEBITED, handlers.on_wallet_debited, acts_on=handlers.is_course_purchase
    ),
    subscribe(topics.WALLET_DEBIT_REJECTED, handlers.on_wallet_debit_rejected),
    subscribe(topics.LESSON_COMPLETION_REQUESTED, handlers.on_lesson_completed),
    subscribe(topics.PAYMENT_SUCCEEDED, handlers.on_payment_settled),
    subscribe(topics.PAYMENT_FAILED, handlers.on_payment_settled),
    subscribe(topics.PAYMENT_REFUNDED, handlers.on_payment_refunded),
)
