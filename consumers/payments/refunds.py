"""Refunds of wallet top-ups, as a saga: take the money out of the wallet, then refund.

payment.refund_requested → wallet.debit_requested (purpose "refund") → wallet.debited →
Stripe refund (in the loop's prepare step) → payment.refunded. If the wallet cannot cover
the refund (the top-up was spent): payment.refund_rejected. If Stripe refuses after the
wallet was debited: payment.refund_rejected with `reversed_minor`, which the wallet
credits back.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from azora.consume.service import Prepare
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from consumers.payments.gateway import RefundResult, StripeGateway
from schemas.payments import PaymentRefunded, PaymentRefundRejected
from schemas.wallet import WalletDebitRequested

NOT_REFUNDABLE = "only a succeeded payment can be refunded"

LOCK = """
SELECT payment_id, user_id, stripe_payment_intent_id, amount_minor, currency, purpose, status
FROM payments.payments WHERE payment_id = ANY($1::uuid[]) FOR UPDATE
"""
MOVE = """
UPDATE payments.payments p SET status = t.status, updated_at = now()
FROM unnest($1::uuid[], $2::text[]) AS t(payment_id, status)
WHERE p.payment_id = t.payment_id
"""
COURSE_PURCHASES = """
SELECT payment_id, stripe_payment_intent_id FROM payments.payments
WHERE payment_id = ANY($1::uuid[]) AND status = 'succeeded' AND purpose = 'course_purchase'
"""
INTENTS = """
SELECT payment_id, stripe_payment_intent_id FROM payments.payments
WHERE payment_id = ANY($1::uuid[]) AND status = 'refund_pending'
"""


def refunded(payment: dict[str, Any], refund_id: str, cause: Event[Any]) -> PaymentRefunded:
    """The fact of a refund Stripe made for `payment`."""
    return PaymentRefunded(
        payment_id=payment["payment_id"],
        user_id=payment["user_id"],
        amount_minor=payment["amount_minor"],
        currency=payment["currency"],
        purpose=payment["purpose"],
        stripe_refund_id=refund_id,
        refunded_at=cause.envelope.occurred_at,
    )


async def lock(uow: UnitOfWork, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """The payments behind `ids`, locked for this transaction."""
    return {row["payment_id"]: dict(row) for row in await uow.conn.fetch(LOCK, list(ids))}


async def move(uow: UnitOfWork, statuses: dict[uuid.UUID, str]) -> None:
    """Set payments' statuses."""
    if statuses:
        await uow.conn.execute(MOVE, list(statuses), list(statuses.values()))


async def refund_each(
    gateway: StripeGateway, pool: asyncpg.Pool, eligible: str, payments: dict[uuid.UUID, uuid.UUID]
) -> dict[uuid.UUID, RefundResult]:
    """Refund through Stripe each payment (by event id) that the `eligible` query returns."""
    rows = await pool.fetch(eligible, list(set(payments.values())))
    intents = {row["payment_id"]: row["stripe_payment_intent_id"] for row in rows}
    return {
        event_id: await gateway.refund(payment_id, intents[payment_id])
        for event_id, payment_id in payments.items()
        if payment_id in intents
    }


def make_course_refund_step(gateway: StripeGateway) -> Prepare:
    """The prepare step for refund requests of course purchases: Stripe refunds at once."""

    async def refund_courses(
        events: Sequence[Event[Any]], pool: asyncpg.Pool
    ) -> dict[uuid.UUID, Any]:
        return await refund_each(
            gateway,
            pool,
            COURSE_PURCHASES,
            {e.envelope.event_id: e.payload.payment_id for e in events},
        )

    return refund_courses


async def on_refund_requested(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """Refund a course purchase through Stripe; ask the wallet to give back a top-up first."""
    payments = await lock(uow, [e.payload.payment_id for e in events])
    moved: dict[uuid.UUID, str] = {}
    for event in events:
        payment = payments.get(event.payload.payment_id)
        status = moved.get(event.payload.payment_id) or (payment or {}).get("status")
        result: RefundResult | None = uow.prepared.get(event.envelope.event_id)
        if payment is None or status != "succeeded":
            reason = NOT_REFUNDABLE
        elif payment["purpose"] == "course_purchase":
            if result is not None and result.refund_id is not None:
                moved[payment["payment_id"]] = "refunded"
                uow.emit(refunded(payment, result.refund_id, event), cause=event)
                continue
            reason = result.failure if result and result.failure else "refund failed"
        else:
            moved[payment["payment_id"]] = "refund_pending"
            uow.emit(
                WalletDebitRequested(
                    debit_id=uuid.uuid5(payment["payment_id"], "refund-debit"),
                    user_id=payment["user_id"],
                    amount_minor=payment["amount_minor"],
                    currency=payment["currency"],
                    purpose="refund",
                    reference=payment["payment_id"],
                ),
                cause=event,
            )
            continue
        uow.emit(
            PaymentRefundRejected(
                payment_id=event.payload.payment_id, user_id=event.payload.user_id, reason=reason
            ),
            cause=event,
        )
    await move(uow, moved)


def make_refund_step(gateway: StripeGateway) -> Prepare:
    """The prepare step for wallet debits: refund through Stripe what the wallet gave back."""

    async def refund_debited(
        events: Sequence[Event[Any]], pool: asyncpg.Pool
    ) -> dict[uuid.UUID, Any]:
        refunds = [e for e in events if e.payload.reason == "refund"]
        if not refunds:
            return {}
        return await refund_each(
            gateway, pool, INTENTS, {e.envelope.event_id: e.payload.reference for e in refunds}
        )

    return refund_debited


async def on_wallet_debited(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """The wallet gave the money back: the refund is done, or Stripe refused and it reverses."""
    refunds = [e for e in events if e.envelope.event_id in uow.prepared]
    payments = await lock(uow, [e.payload.reference for e in refunds])
    moved: dict[uuid.UUID, str] = {}
    for event in refunds:
        payment = payments.get(event.payload.reference)
        if payment is None or payment["status"] != "refund_pending":
            continue  # settled already: a repeat changes nothing
        result: RefundResult = uow.prepared[event.envelope.event_id]
        if result.refund_id is not None:
            moved[payment["payment_id"]] = "refunded"
            uow.emit(refunded(payment, result.refund_id, event), cause=event)
        else:
            moved[payment["payment_id"]] = "succeeded"
            uow.emit(
                PaymentRefundRejected(
                    payment_id=payment["payment_id"],
                    user_id=payment["user_id"],
                    reason=result.failure or "refund failed",
                    currency=payment["currency"],
                    reversed_minor=payment["amount_minor"],
                ),
                cause=event,
            )
        payment["status"] = moved[payment["payment_id"]]
    await move(uow, moved)


async def on_wallet_debit_rejected(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """The wallet could not give the money back (it was spent): the refund is refused."""
    payments = await lock(uow, [e.payload.reference for e in events])
    moved: dict[uuid.UUID, str] = {}
    for event in events:
        payment = payments.get(event.payload.reference)
        if payment is None or payment["status"] != "refund_pending":
            continue  # not a refund (a course purchase, say), or settled already
        moved[payment["payment_id"]] = "succeeded"
        payment["status"] = "succeeded"
        uow.emit(
            PaymentRefundRejected(
                payment_id=payment["payment_id"],
                user_id=payment["user_id"],
                reason=f"{event.payload.reason}: the top-up has been spent",
            ),
            cause=event,
        )
    await move(uow, moved)
