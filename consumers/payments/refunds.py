"""Refunds: a course purchase through Stripe at once; a wallet top-up as a saga.

The saga: payment.refund_requested → wallet.debit_requested (purpose "refund") →
wallet.debited → Stripe refund (prepare) → payment.refunded. If the wallet cannot cover it
(the top-up was spent): payment.refund_rejected. If Stripe refuses after the wallet was
debited: payment.refund_rejected with `reversed_minor`, which the wallet credits back.
Stripe's `charge_already_refunded` answer (a repeat after its idempotency window) counts as
refunded. Stripe is called in the consume loop's prepare steps (`refund_courses`,
`refund_debited`), outside any transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from consumers.payments import sql
from consumers.payments.gateway import RefundResult, StripeGateway
from consumers.payments.payment_rows import Moves, lock, move
from consumers.payments.rules import NOT_REFUNDABLE, refunded
from schemas.payments import PaymentRefundRejected, PaymentRefundRequested
from schemas.wallet import WalletDebited, WalletDebitRejected, WalletDebitRequested


def _status(status: str) -> tuple[str, int | None]:
    return status, None


def _fully_refunded(payment: dict[str, Any]) -> tuple[str, int | None]:
    return "refunded", payment["amount_minor"]


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
    payments = await lock(uow, [e.payload.payment_id for e in events])
    moved: Moves = {}
    for event in events:
        payment = payments.get(event.payload.payment_id)
        status = moved.get(event.payload.payment_id, (None,))[0] or (payment or {}).get("status")
        result: RefundResult | None = uow.prepared.get(event.envelope.event_id)
        if payment is None or status != "succeeded":
            reason = NOT_REFUNDABLE
        elif payment["purpose"] == "course_purchase":
            if result is not None and result.refund_id is not None:
                moved[payment["payment_id"]] = _fully_refunded(payment)
                uow.emit(
                    refunded(payment, result.refund_id, event.envelope.occurred_at), cause=event
                )
                continue
            reason = result.failure if result and result.failure else "refund failed"
        else:
            moved[payment["payment_id"]] = _status("refund_pending")
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
    payments = await lock(uow, [e.payload.reference for e in refunds])
    moved: Moves = {}
    for event in refunds:
        payment = payments.get(event.payload.reference)
        if payment is None or payment["status"] != "refund_pending":
            continue  # settled already: a repeat changes nothing
        result: RefundResult = uow.prepared[event.envelope.event_id]
        if result.refund_id is not None:
            moved[payment["payment_id"]] = _fully_refunded(payment)
            uow.emit(refunded(payment, result.refund_id, event.envelope.occurred_at), cause=event)
        else:
            moved[payment["payment_id"]] = _status("succeeded")
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
        payment["status"] = moved[payment["payment_id"]][0]
    await move(uow, moved)


async def on_wallet_debit_rejected(
    events: Sequence[Event[WalletDebitRejected]], uow: UnitOfWork
) -> None:
    """The wallet could not give the money back (it was spent): the refund is refused."""
    payments = await lock(uow, [e.payload.reference for e in events])
    moved: Moves = {}
    for event in events:
        payment = payments.get(event.payload.reference)
        if payment is None or payment["status"] != "refund_pending":
            continue  # not a refund (a course purchase, say), or settled already
        moved[payment["payment_id"]] = _status("succeeded")
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
