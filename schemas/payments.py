"""Payments: a command per payment, Stripe's answers, and the facts that settle it."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import AwareDatetime, Field

from schemas.base import ContractModel
from schemas.money import AmountMinor, Currency
from schemas.topic import TopicSpec, command, event

Purpose = Literal["wallet_top_up", "course_purchase"]


class PaymentRequested(ContractModel):
    """Command: take a card payment (a Stripe PaymentIntent) for a purpose."""

    payment_id: uuid.UUID
    user_id: uuid.UUID
    amount_minor: AmountMinor
    currency: Currency
    purpose: Purpose
    course_id: uuid.UUID | None = None


class PaymentIntentCreated(ContractModel):
    """Fact: Stripe holds a PaymentIntent; the frontend confirms it with `client_secret`."""

    payment_id: uuid.UUID
    user_id: uuid.UUID
    stripe_payment_intent_id: str = Field(min_length=1, max_length=255)
    client_secret: str = Field(min_length=1, max_length=500)
    amount_minor: AmountMinor
    currency: Currency
    purpose: Purpose


class PaymentWebhookReceived(ContractModel):
    """Fact: Stripe sent a signed event about a PaymentIntent (verified at the ingress)."""

    stripe_event_id: str = Field(min_length=1, max_length=255)
    stripe_event_type: str = Field(min_length=1, max_length=255)
    stripe_payment_intent_id: str = Field(min_length=1, max_length=255)
    data: dict[str, Any]


class PaymentSucceeded(ContractModel):
    """Fact: money was captured for a user."""

    payment_id: uuid.UUID
    user_id: uuid.UUID
    amount_minor: AmountMinor
    currency: Currency
    purpose: Purpose
    course_id: uuid.UUID | None = None
    succeeded_at: AwareDatetime


class PaymentFailed(ContractModel):
    """Fact: a payment cannot go through, with the reason (final: its intent is canceled)."""

    payment_id: uuid.UUID
    user_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=500)
    failed_at: AwareDatetime


class PaymentAttemptFailed(ContractModel):
    """Fact: an attempt to pay was declined; the PaymentIntent takes another payment method.

    Not final: Stripe lets the customer try again on the same intent, which may still
    succeed. A payment fails for good only when its intent is canceled (`payment.failed`).
    """

    payment_id: uuid.UUID
    user_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=500)
    failed_at: AwareDatetime


class PaymentCancelRequested(ContractModel):
    """Command (from a saga): cancel a payment's PaymentIntent, e.g. an abandoned checkout."""

    payment_id: uuid.UUID
    user_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=500)


class PaymentRefundRequested(ContractModel):
    """Command: give a succeeded payment's money back (a top-up: out of the wallet first)."""

    payment_id: uuid.UUID
    user_id: uuid.UUID


class PaymentRefunded(ContractModel):
    """Fact: Stripe refunded the payment (and, for a top-up, the wallet was debited)."""

    payment_id: uuid.UUID
    user_id: uuid.UUID
    amount_minor: AmountMinor
    currency: Currency
    purpose: Purpose | None = None
    stripe_refund_id: str = Field(min_length=1, max_length=255)
    refunded_at: AwareDatetime


class PaymentPartiallyRefunded(ContractModel):
    """Fact: Stripe refunded part of a payment; `refunded_minor` is the total refunded so far."""

    payment_id: uuid.UUID
    user_id: uuid.UUID
    amount_minor: AmountMinor
    refunded_minor: AmountMinor
    currency: Currency
    purpose: Purpose
    refunded_at: AwareDatetime


class PaymentRefundRejected(ContractModel):
    """Fact: a refund did not happen, and why; `reversed_minor` went back to the wallet."""

    payment_id: uuid.UUID
    user_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=500)
    currency: Currency | None = None
    reversed_minor: int = Field(default=0, ge=0)


# The topics these models travel on, in the order the catalogue lists them.

PAYMENT_REQUESTED = command(
    "payment.requested",
    PaymentRequested,
    key="payment_id",
    description="A user asked to pay by card (a wallet top-up or a course purchase).",
)
PAYMENT_INTENT_CREATED = event(
    "payment.intent_created",
    PaymentIntentCreated,
    key="payment_id",
    description="Stripe holds a PaymentIntent for the payment; its client_secret is ready.",
    settles="succeeded",
)
# Keyed by PaymentIntent: every event about one intent is processed in order.
PAYMENT_WEBHOOK_RECEIVED = event(
    "payment.webhook_received",
    PaymentWebhookReceived,
    key="stripe_payment_intent_id",
    description="A verified Stripe webhook event about a PaymentIntent.",
)
PAYMENT_SUCCEEDED = event(
    "payment.succeeded",
    PaymentSucceeded,
    key="payment_id",
    description="A payment was captured (a wallet top-up or a course purchase).",
)
PAYMENT_FAILED = event(
    "payment.failed",
    PaymentFailed,
    key="payment_id",
    description="A payment cannot go through, with the reason.",
    settles="rejected",
)
PAYMENT_ATTEMPT_FAILED = event(
    "payment.attempt_failed",
    PaymentAttemptFailed,
    key="payment_id",
    description="An attempt to pay was declined; the payment can still succeed.",
)
PAYMENT_CANCEL_REQUESTED = command(
    "payment.cancel_requested",
    PaymentCancelRequested,
    key="payment_id",
    description="A saga asked to cancel a payment's PaymentIntent (an abandoned checkout).",
    tracked=False,
)
PAYMENT_REFUND_REQUESTED = command(
    "payment.refund_requested",
    PaymentRefundRequested,
    key="payment_id",
    description="A user asked for a succeeded payment to be refunded.",
)
PAYMENT_REFUNDED = event(
    "payment.refunded",
    PaymentRefunded,
    key="payment_id",
    description="Stripe refunded a payment.",
    settles="succeeded",
)
PAYMENT_PARTIALLY_REFUNDED = event(
    "payment.partially_refunded",
    PaymentPartiallyRefunded,
    key="payment_id",
    description="Stripe refunded part of a payment (the total refunded so far).",
)
PAYMENT_REFUND_REJECTED = event(
    "payment.refund_rejected",
    PaymentRefundRejected,
    key="payment_id",
    description="A refund did not happen, with the reason.",
    settles="rejected",
)

TOPICS: tuple[TopicSpec, ...] = (
    PAYMENT_REQUESTED,
    PAYMENT_INTENT_CREATED,
    PAYMENT_WEBHOOK_RECEIVED,
    PAYMENT_SUCCEEDED,
    PAYMENT_FAILED,
    PAYMENT_REFUND_REQUESTED,
    PAYMENT_REFUNDED,
    PAYMENT_REFUND_REJECTED,
    PAYMENT_ATTEMPT_FAILED,
    PAYMENT_CANCEL_REQUESTED,
    PAYMENT_PARTIALLY_REFUNDED,
)
