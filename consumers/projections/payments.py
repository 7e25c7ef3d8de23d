"""The payments projection: `read.payments`, what `GET /v1/payments/{id}` answers.

A PaymentIntent's client secret is stored only as `payment.intent_created.v2` carries it,
sealed for the ingress (which opens it for the paying user), and only while the payment
is open: once it succeeds or fails for good, the sealed secret is dropped. A version 1
event's clear secret is never stored (its payment shows no secret; the user starts again).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from azora.consume.service import service, subscribe
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from consumers.projections.batches import latest_per_key
from schemas import catalogue as topics
from schemas.payments import (
    PaymentAttemptFailed,
    PaymentFailed,
    PaymentIntentCreated,
    PaymentIntentCreatedV2,
    PaymentPartiallyRefunded,
    PaymentRefunded,
    PaymentRefundRejected,
    PaymentRequested,
    PaymentSucceeded,
)

PaymentFact = (
    PaymentRequested
    | PaymentIntentCreated
    | PaymentIntentCreatedV2
    | PaymentSucceeded
    | PaymentFailed
    | PaymentRefunded
    | PaymentRefundRejected
    | PaymentAttemptFailed
    | PaymentPartiallyRefunded
)

# Later in a payment's life ranks higher; a lower rank never overwrites a higher one.
# `succeeded` outranks `failed`: Stripe's word that money was captured is the last word.
RANK = {
    "requested": 0,
    "requires_payment_method": 1,
    "failed": 2,
    "succeeded": 3,
    "partially_refunded": 4,
    "refunded": 5,
}
STATUS = {
    topics.PAYMENT_REQUESTED: "requested",
    topics.PAYMENT_INTENT_CREATED: "requires_payment_method",
    topics.PAYMENT_INTENT_CREATED_V2: "requires_payment_method",
    # A declined attempt: the intent waits for another payment method (the reason says why).
    topics.PAYMENT_ATTEMPT_FAILED: "requires_payment_method",
    topics.PAYMENT_SUCCEEDED: "succeeded",
    topics.PAYMENT_FAILED: "failed",
    topics.PAYMENT_PARTIALLY_REFUNDED: "partially_refunded",
    topics.PAYMENT_REFUNDED: "refunded",
    # A refused refund leaves the payment succeeded, with the reason on it.
    topics.PAYMENT_REFUND_REJECTED: "succeeded",
}

# From this rank on a payment is settled (failed, succeeded, refunded): nobody pays it
# again, so its client secret is of no more use and is dropped.
SETTLED_RANK = RANK["failed"]

# A reason belongs to the status it came with: one from an earlier status (a declined
# attempt, applied after the success) does not overwrite a later one.
UPSERT = f"""
INSERT INTO payments (payment_id, user_id, status, rank, amount_minor, currency, purpose,
                      client_secret_sealed, stripe_payment_intent_id, reason, refunded_minor)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::smallint[], $5::bigint[],
                     $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[])
ON CONFLICT (payment_id) DO UPDATE SET
    status = CASE WHEN EXCLUDED.rank > payments.rank
                  THEN EXCLUDED.status ELSE payments.status END,
    rank = GREATEST(payments.rank, EXCLUDED.rank),
    amount_minor = COALESCE(payments.amount_minor, EXCLUDED.amount_minor),
    currency = COALESCE(payments.currency, EXCLUDED.currency),
    purpose = COALESCE(payments.purpose, EXCLUDED.purpose),
    client_secret_sealed = CASE
        WHEN GREATEST(payments.rank, EXCLUDED.rank) >= {SETTLED_RANK} THEN NULL
        ELSE COALESCE(payments.client_secret_sealed, EXCLUDED.client_secret_sealed) END,
    stripe_payment_intent_id = COALESCE(payments.stripe_payment_intent_id,
                                        EXCLUDED.stripe_payment_intent_id),
    reason = CASE WHEN EXCLUDED.rank >= payments.rank
                  THEN COALESCE(EXCLUDED.reason, payments.reason) ELSE payments.reason END,
    refunded_minor = GREATEST(payments.refunded_minor, EXCLUDED.refunded_minor),
    updated_at = now()
"""


@dataclass(frozen=True)
class Row:
    """What one event says about a payment."""

    payment_id: uuid.UUID
    user_id: uuid.UUID
    status: str
    amount_minor: int | None
    currency: str | None
    purpose: str | None
    client_secret_sealed: str | None
    intent: str | None
    reason: str | None
    refunded_minor: int | None


def row_of(event: Event[PaymentFact]) -> Row:
    """The read-model row an event implies (fields it does not carry are None)."""
    p = event.payload
    return Row(
        p.payment_id,
        p.user_id,
        STATUS[event.spec],
        getattr(p, "amount_minor", None),
        getattr(p, "currency", None),
        getattr(p, "purpose", None),
        getattr(p, "client_secret_sealed", None),
        getattr(p, "stripe_payment_intent_id", None),
        getattr(p, "reason", None),
        _refunded_minor(p),
    )


def _refunded_minor(payload: PaymentFact) -> int | None:
    """How much of the payment is refunded, for the facts that say so."""
    if isinstance(payload, PaymentPartiallyRefunded):
        return payload.refunded_minor
    if isinstance(payload, PaymentRefunded):
        return payload.amount_minor
    return None


def _rank(row: Row) -> int:
    # Partial refunds report a running total: of two, the larger is the later.
    return RANK[row.status] * 10**13 + (row.refunded_minor or 0)


async def on_payment_event(events: Sequence[Event[PaymentFact]], uow: UnitOfWork) -> None:
    """Move each payment's row forward."""
    every = [row_of(event) for event in events]
    rows = latest_per_key(every, key=lambda row: row.payment_id, rank=_rank)
    # A declined attempt ranks with the intent it follows: when both are in one batch, the
    # kept row still takes the intent's sealed secret (the payer may try another card).
    sealed = {r.payment_id: r.client_secret_sealed for r in every if r.client_secret_sealed}
    await uow.conn.execute(
        UPSERT,
        [r.payment_id for r in rows],
        [r.user_id for r in rows],
        [r.status for r in rows],
        [RANK[r.status] for r in rows],
        [r.amount_minor for r in rows],
        [r.currency for r in rows],
        [r.purpose for r in rows],
        [sealed.get(r.payment_id) for r in rows],
        [r.intent for r in rows],
        [r.reason for r in rows],
        [r.refunded_minor for r in rows],
    )


# Ranked, COALESCEd upserts: a repeat changes nothing.
PAYMENT_VIEWS = service(
    "payment_views",
    subscribe(topics.PAYMENT_REQUESTED, on_payment_event, replay_safe=True),
    subscribe(topics.PAYMENT_INTENT_CREATED, on_payment_event, replay_safe=True),
    subscribe(topics.PAYMENT_INTENT_CREATED_V2, on_payment_event, replay_safe=True),
    subscribe(topics.PAYMENT_SUCCEEDED, on_payment_event, replay_safe=True),
    subscribe(topics.PAYMENT_FAILED, on_payment_event, replay_safe=True),
    subscribe(topics.PAYMENT_REFUNDED, on_payment_event, replay_safe=True),
    subscribe(topics.PAYMENT_REFUND_REJECTED, on_payment_event, replay_safe=True),
    subscribe(topics.PAYMENT_ATTEMPT_FAILED, on_payment_event, replay_safe=True),
    subscribe(topics.PAYMENT_PARTIALLY_REFUNDED, on_payment_event, replay_safe=True),
    tables=("payments",),
)
