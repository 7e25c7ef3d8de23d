"""Payments: card payments through Stripe, settled by Stripe's verified webhooks.

The Stripe call runs in the consume loop's `prepare` step, outside any transaction;
the handler then records the PaymentIntent in the private `payments` schema. Webhook
events arrive with ids derived from Stripe's event ids, so a redelivered webhook is a
duplicate to the inbox, and a payment settles once whatever Stripe sends.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from azora.consume.service import Service
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from consumers.payments import refunds
from consumers.payments.gateway import IntentResult, StripeGateway
from schemas import catalogue as topics
from schemas.payments import PaymentFailed, PaymentIntentCreated, PaymentSucceeded

log = logging.getLogger(__name__)

RECORD = """
INSERT INTO payments.payments (payment_id, user_id, stripe_payment_intent_id, amount_minor,
                               currency, purpose, course_id, status)
SELECT *, 'requires_payment_method' FROM unnest($1::uuid[], $2::uuid[], $3::text[],
    $4::bigint[], $5::text[], $6::text[], $7::uuid[])
ON CONFLICT DO NOTHING
"""
BY_INTENT = """
SELECT payment_id, user_id, stripe_payment_intent_id, amount_minor, currency, purpose,
       course_id, status
FROM payments.payments WHERE stripe_payment_intent_id = ANY($1::text[])
FOR UPDATE
"""
SETTLE = """
UPDATE payments.payments p SET status = t.status, updated_at = now()
FROM unnest($1::uuid[], $2::text[]) AS t(payment_id, status)
WHERE p.payment_id = t.payment_id
"""
# A webhook never moves a payment out of these (refunds have their own saga).
FINAL = {"succeeded", "failed", "refund_pending", "refunded"}


def make_payments(gateway: StripeGateway) -> Service:
    """The payments service around a Stripe gateway."""

    async def create_intents(events: Sequence[Event[Any]], _: Any) -> dict[uuid.UUID, Any]:
        return {e.envelope.event_id: await gateway.create_intent(e.payload) for e in events}

    async def on_payment_requested(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        created = []
        for event in events:
            result: IntentResult = uow.prepared[event.envelope.event_id]
            p = event.payload
            if result.intent_id is None or result.client_secret is None:
                uow.emit(
                    PaymentFailed(
                        payment_id=p.payment_id,
                        user_id=p.user_id,
                        reason=result.failure or "payment failed",
                        failed_at=event.envelope.occurred_at,
                    ),
                    cause=event,
                )
                continue
            created.append((p, result.intent_id))
            uow.emit(
                PaymentIntentCreated(
                    payment_id=p.payment_id,
                    user_id=p.user_id,
                    stripe_payment_intent_id=result.intent_id,
                    client_secret=result.client_secret,
                    amount_minor=p.amount_minor,
                    currency=p.currency,
                    purpose=p.purpose,
                ),
                cause=event,
            )
        if created:
            await uow.conn.execute(
                RECORD,
                [p.payment_id for p, _ in created],
                [p.user_id for p, _ in created],
                [intent for _, intent in created],
                [p.amount_minor for p, _ in created],
                [p.currency for p, _ in created],
                [p.purpose for p, _ in created],
                [p.course_id for p, _ in created],
            )

    return Service(
        name="payments",
        handlers={
            topics.PAYMENT_REQUESTED: on_payment_requested,
            topics.PAYMENT_WEBHOOK_RECEIVED: on_webhook,
            topics.PAYMENT_REFUND_REQUESTED: refunds.on_refund_requested,
            topics.WALLET_DEBITED: refunds.on_wallet_debited,
            topics.WALLET_DEBIT_REJECTED: refunds.on_wallet_debit_rejected,
        },
        prepare={
            topics.PAYMENT_REQUESTED: create_intents,
            topics.WALLET_DEBITED: refunds.make_refund_step(gateway),
            topics.PAYMENT_REFUND_REQUESTED: refunds.make_course_refund_step(gateway),
        },
        # Of all wallet debits, payments acts on the refunds it asked the wallet for.
        acts_on={topics.WALLET_DEBITED: lambda debit: debit.reason == "refund"},
    )


async def on_webhook(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """Settle payments from Stripe's events: once, whatever order or how often they come."""
    rows = await uow.conn.fetch(
        BY_INTENT, list({e.payload.stripe_payment_intent_id for e in events})
    )
    payments = {row["stripe_payment_intent_id"]: dict(row) for row in rows}
    settled: dict[uuid.UUID, str] = {}
    for event in events:
        payment = payments.get(event.payload.stripe_payment_intent_id)
        if payment is None:
            continue  # not one of ours
        if event.payload.stripe_event_type == "charge.refunded":
            # Refunded outside Azora (Stripe's dashboard). A course purchase is simply
            # refunded; a top-up would need the wallet's money back, which it may have spent,
            # so it is left for an operator (logged).
            if payment["status"] == "succeeded" and payment["purpose"] == "course_purchase":
                payment["status"] = settled[payment["payment_id"]] = "refunded"
                uow.emit(
                    refunds.refunded(payment, event.payload.stripe_event_id, event), cause=event
                )
            elif payment["status"] == "succeeded":
                log.warning(
                    "payments: %s refunded in Stripe, not through Azora; the wallet "
                    "was not debited",
                    payment["payment_id"],
                )
            continue
        if payment["status"] in FINAL:
            continue  # already settled: a repeat changes nothing
        outcome = settle(payment, event)
        if outcome is None:
            continue
        payment["status"] = "succeeded" if isinstance(outcome, PaymentSucceeded) else "failed"
        settled[payment["payment_id"]] = payment["status"]
        uow.emit(outcome, cause=event)
    if settled:
        await uow.conn.execute(SETTLE, list(settled), list(settled.values()))


def settle(payment: dict[str, Any], event: Event[Any]) -> PaymentSucceeded | PaymentFailed | None:
    """What a Stripe event means for a payment not yet settled (None: nothing)."""
    kind = event.payload.stripe_event_type
    at = event.envelope.occurred_at
    if kind == "payment_intent.succeeded":
        # Amounts come from our own record, never from the webhook's body.
        return PaymentSucceeded(
            payment_id=payment["payment_id"],
            user_id=payment["user_id"],
            amount_minor=payment["amount_minor"],
            currency=payment["currency"],
            purpose=payment["purpose"],
            course_id=payment["course_id"],
            succeeded_at=at,
        )
    if kind in ("payment_intent.payment_failed", "payment_intent.canceled"):
        error = event.payload.data.get("last_payment_error") or {}
        reason = str(error.get("message") or kind.replace("payment_intent.", "payment "))
        return PaymentFailed(
            payment_id=payment["payment_id"],
            user_id=payment["user_id"],
            reason=reason[:500],
            failed_at=at,
        )
    return None
