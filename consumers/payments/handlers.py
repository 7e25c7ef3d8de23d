"""Payments' handlers: card payments through Stripe, settled by Stripe's webhooks, and refunds.

Stripe is called in the consume loop's prepare steps (`create_intents`, `refund_*`),
outside any transaction; the handlers then record what happened in the private
`payments` schema. Webhook events arrive with ids derived from Stripe's event ids, so a
redelivered webhook is a duplicate to the inbox, and a payment settles once.

Refunds of wallet top-ups run as a saga: payment.refund_requested → wallet.debit_requested
(purpose "refund") → wallet.debited → Stripe refund (prepare) → payment.refunded. If the
wallet cannot cover it (the top-up was spent): payment.refund_rejected. If Stripe refuses
after the wallet was debited: payment.refund_rejected with `reversed_minor`, which the
wallet credits back. A course purchase is refunded through Stripe at once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from consumers.payments import sql
from consumers.payments.gateway import RefundResult, StripeGateway
from consumers.payments.rules import FINAL, NOT_REFUNDABLE, intent_outcome, refunded, settle
from schemas.payments import (
    PaymentIntentCreated,
    PaymentRefundRejected,
    PaymentRefundRequested,
    PaymentRequested,
    PaymentSucceeded,
    PaymentWebhookReceived,
)
from schemas.wallet import WalletDebited, WalletDebitRejected, WalletDebitRequested

log = logging.getLogger(__name__)


async def create_intents(
    gateway: StripeGateway, events: Sequence[Event[PaymentRequested]], _: asyncpg.Pool
) -> dict[uuid.UUID, Any]:
    """Prepare step: a PaymentIntent per payment request (idempotent in Stripe)."""
    return {e.envelope.event_id: await gateway.create_intent(e.payload) for e in events}


async def on_payment_requested(events: Sequence[Event[PaymentRequested]], uow: UnitOfWork) -> None:
    """Record each PaymentIntent Stripe created and announce it, or the failure."""
    created = []
    for event in events:
        p = event.payload
        outcome = intent_outcome(
            p, uow.prepared[event.envelope.event_id], event.envelope.occurred_at
        )
        if isinstance(outcome, PaymentIntentCreated):
            created.append((p, outcome.stripe_payment_intent_id))
        uow.emit(outcome, cause=event)
    if created:
        await uow.conn.execute(
            sql.RECORD,
            [p.payment_id for p, _ in created],
            [p.user_id for p, _ in created],
            [intent for _, intent in created],
            [p.amount_minor for p, _ in created],
            [p.currency for p, _ in created],
            [p.purpose for p, _ in created],
            [p.course_id for p, _ in created],
        )


async def on_webhook(events: Sequence[Event[PaymentWebhookReceived]], uow: UnitOfWork) -> None:
    """Settle payments from Stripe's events: once, whatever order or how often they come."""
    rows = await uow.conn.fetch(
        sql.BY_INTENT, list({e.payload.stripe_payment_intent_id for e in events})
    )
    payments = {row["stripe_payment_intent_id"]: dict(row) for row in rows}
    settled: dict[uuid.UUID, str] = {}
    for event in events:
        payment = payments.get(event.payload.stripe_payment_intent_id)
        if payment is None:
            continue  # not one of ours
        at = event.envelope.occurred_at
        if event.payload.stripe_event_type == "charge.refunded":
            # Refunded outside Azora (Stripe's dashboard). A course purchase is simply
            # refunded; a top-up would need the wallet's money back, which it may have spent,
            # so it is left for an operator (logged).
            if payment["status"] == "succeeded" and payment["purpose"] == "course_purchase":
                payment["status"] = settled[payment["payment_id"]] = "refunded"
                uow.emit(refunded(payment, event.payload.stripe_event_id, at), cause=event)
            elif payment["status"] == "succeeded":
                log.warning(
                    "payments: %s refunded in Stripe, not through Azora; the wallet "
                    "was not debited",
                    payment["payment_id"],
                )
            continue
        if payment["status"] in FINAL:
            continue  # already settled: a repeat changes nothing
        outcome = settle(payment, event.payload, at)
        if outcome is None:
            continue
        payment["status"] = "succeeded" if isinstance(outcome, PaymentSucceeded) else "failed"
        settled[payment["payment_id"]] = payment["status"]
        uow.emit(outcome, cause=event)
    if settled:
        await uow.conn.execute(sql.MOVE, list(settled), list(settled.values()))


async def _lock(uow: UnitOfWork, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """The payments behind `ids`, locked for this transaction."""
    return {row["payment_id"]: dict(row) for row in await uow.conn.fetch(sql.LOCK, list(ids))}


async def _move(uow: UnitOfWork, statuses: dict[uuid.UUID, str]) -> None:
    """Set payments' statuses."""
    if statuses:
        await uow.conn.execute(sql.MOVE, list(statuses), list(statuses.values()))


async def _refund_each(
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


async def refund_courses(
    gateway: StripeGateway, events: Sequence[Event[PaymentRefundRequested]], pool: asyncpg.Pool
) -> dict[uuid.UUID, Any]:
    """Prepare step for refund requests: course purchases are refunded by Stripe at once."""
    return await _refund_each(
        gateway,
        pool,
        sql.COURSE_PURCHASES,
        {e.envelope.event_id: e.payload.payment_id for e in events},
    )


async def on_refund_requested(
    events: Sequence[Event[PaymentRefundRequested]], uow: UnitOfWork
) -> None:
    """Refund a course purchase through Stripe; ask the wallet to give back a top-up first."""
    payments = await _lock(uow, [e.payload.payment_id for e in events])
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
                uow.emit(
                    refunded(payment, result.refund_id, event.envelope.occurred_at), cause=event
                )
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
    await _move(uow, moved)


def is_refund(debit: WalletDebited) -> bool:
    """Whether a wallet debit gave back a top-up for a refund (payments asked for it)."""
    return debit.reason == "refund"


async def refund_debited(
    gateway: StripeGateway, events: Sequence[Event[WalletDebited]], pool: asyncpg.Pool
) -> dict[uuid.UUID, Any]:
    """Prepare step for wallet debits: refund through Stripe what the wallet gave back."""
    refunds = [e for e in events if is_refund(e.payload)]
    if not refunds:
        return {}
    return await _refund_each(
        gateway, pool, sql.INTENTS, {e.envelope.event_id: e.payload.reference for e in refunds}
    )


async def on_wallet_debited(events: Sequence[Event[WalletDebited]], uow: UnitOfWork) -> None:
    """The wallet gave the money back: the refund is done, or Stripe refused and it reverses."""
    refunds = [e for e in events if e.envelope.event_id in uow.prepared]
    payments = await _lock(uow, [e.payload.reference for e in refunds])
    moved: dict[uuid.UUID, str] = {}
    for event in refunds:
        payment = payments.get(event.payload.reference)
        if payment is None or payment["status"] != "refund_pending":
            continue  # settled already: a repeat changes nothing
        result: RefundResult = uow.prepared[event.envelope.event_id]
        if result.refund_id is not None:
            moved[payment["payment_id"]] = "refunded"
            uow.emit(refunded(payment, result.refund_id, event.envelope.occurred_at), cause=event)
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
    await _move(uow, moved)


async def on_wallet_debit_rejected(
    events: Sequence[Event[WalletDebitRejected]], uow: UnitOfWork
) -> None:
    """The wallet could not give the money back (it was spent): the refund is refused."""
    payments = await _lock(uow, [e.payload.reference for e in events])
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
    await _move(uow, moved)
