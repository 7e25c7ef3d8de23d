"""Payments: a command per payment, Stripe's answers, and the facts that settle it."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field

from schemas.base import ContractModel
from schemas.money import AmountMinor, Currency
from schemas.topic import DAY_MS, TopicSpec, command, event

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
    """Fact (version 1, no longer written): Stripe holds a PaymentIntent, with its
    `client_secret` in clear. Still read, so the events already in the log apply; its
    topic keeps them only for the legacy retention (`LEGACY_RETENTION_MS`)."""

    payment_id: uuid.UUID
    user_id: uuid.UUID
    stripe_payment_intent_id: str = Field(min_length=1, max_length=255)
    client_secret: str = Field(min_length=1, max_length=500)
    amount_minor: AmountMinor
    currency: Currency
    purpose: Purpose


class PaymentIntentCreatedV2(ContractModel):
    """Fact: Stripe holds a PaymentIntent. Its client secret, which lets the holder pay,
    travels sealed for the ingress alone (`azora.payment_sealing`), bound to the payment."""

    payment_id: uuid.UUID
    user_id: uuid.UUID
    stripe_payment_intent_id: str = Field(min_length=1, max_length=255)
    client_secret_sealed: str = Field(min_length=1, max_length=1000)
    amount_minor: AmountMinor
    currency: Currency
    purpose: Purpose


class PaymentWebhookReceived(ContractModel):
    """Fact (version 1, no longer written): a verified Stripe event with Stripe's whole
    object in `data`. Still read; its topic keeps it only for the legacy retention."""

    stripe_event_id: str = Field(min_length=1, max_length=255)
    stripe_event_type: str = Field(min_length=1, max_length=255)
    stripe_payment_intent_id: str = Field(min_length=1, max_length=255)
    data: dict[str, Any]


StripeText = Annotated[str, Field(min_length=1, max_length=255)]


class PaymentWebhookReceivedV2(ContractModel):
    """Fact: Stripe sent a signed event about a PaymentIntent (verified at the ingress).

    Only what payments acts on, taken out of Stripe's object by
    `schemas.stripe_objects.webhook_fields`: never the object itself, which may hold the
    client secret, the customer's billing details or card data.
    """

    stripe_event_id: StripeText
    stripe_event_type: StripeText
    stripe_payment_intent_id: StripeText
    # The object the event is about: the PaymentIntent, or the Charge of `charge.*`.
    stripe_object_id: StripeText | None = None
    status: StripeText | None = None
    amount_minor: int | None = Field(default=None, ge=0, le=1_000_000_000_000)
    amount_refunded_minor: int | None = Field(default=None, ge=0, le=1_000_000_000_000)
    refunded: bool | None = None
    currency: Currency | None = None
    failure_code: StripeText | None = None
    failure_message: str | None = Field(default=None, min_length=1, max_length=500)
    cancellation_reason: StripeText | None = None


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
# Version 1 of a topic that carried a secret in clear (or a raw provider payload) is only
# read now: it keeps its records long enough for every consumer to drain them during an
# upgrade, then Kafka deletes them. Rebuilds after that read version 2 alone.
LEGACY_RETENTION_MS = 30 * DAY_MS

PAYMENT_INTENT_CREATED = replace(
    event(
        "payment.intent_created",
        PaymentIntentCreated,
        key="payment_id",
        description="Version 1, read only: a PaymentIntent with its client_secret in clear.",
        settles="succeeded",
    ),
    retention_ms=LEGACY_RETENTION_MS,
)
PAYMENT_INTENT_CREATED_V2 = event(
    "payment.intent_created.v2",
    PaymentIntentCreatedV2,
    key="payment_id",
    description="Stripe holds a PaymentIntent for the payment; its client secret is sealed.",
    settles="succeeded",
)
# Keyed by PaymentIntent: every event about one intent is processed in order.
PAYMENT_WEBHOOK_RECEIVED = replace(
    event(
        "payment.webhook_received",
        PaymentWebhookReceived,
        key="stripe_payment_intent_id",
        description="Version 1, read only: a verified Stripe event with Stripe's whole object.",
    ),
    retention_ms=LEGACY_RETENTION_MS,
)
PAYMENT_WEBHOOK_RECEIVED_V2 = event(
    "payment.webhook_received.v2",
    PaymentWebhookReceivedV2,
    key="stripe_payment_intent_id",
    description="A verified Stripe webhook event about a PaymentIntent (the fields used).",
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

# Version 1 topics a version 2 replaced because they held a secret or a raw provider object:
# read, never written, kept for LEGACY_RETENTION_MS only. By the topic that replaced each.
SUPERSEDED: dict[TopicSpec, TopicSpec] = {
    PAYMENT_INTENT_CREATED: PAYMENT_INTENT_CREATED_V2,
    PAYMENT_WEBHOOK_RECEIVED: PAYMENT_WEBHOOK_RECEIVED_V2,
}

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
    PAYMENT_INTENT_CREATED_V2,
    PAYMENT_WEBHOOK_RECEIVED_V2,
)
