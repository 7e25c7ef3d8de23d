"""Payments' handlers: card payments through Stripe, settled by Stripe's webhooks, and refunds.

Stripe is called in the consume loop's prepare steps (`create_intents`, `refund_*`),
outside any transaction; the handlers then record what happened in the private
`payments` schema. Webhook events arrive with ids derived from Stripe's event ids, so a
redelivered webhook is a duplicate to the inbox, and a payment settles once.

Stripe's PaymentIntent lifecycle: a declined attempt (`payment_intent.payment_failed`)
leaves the intent waiting for another payment method, so the payment stays open
(`payment.attempt_failed`); it fails for good when the intent is canceled (by Stripe's
`payment_intent.canceled`, or by a saga's `payment.cancel_requested` for an abandoned
checkout), and `payment_intent.succeeded` settles it once, after any number of declines.

Refunds of wallet top-ups run as a saga: payment.refund_requested → wallet.debit_requested
(purpose "refund") → wallet.debited → Stripe refund (prepare) → payment.refunded. If the
wallet cannot cover it (the top-up was spent): payment.refund_rejected. If Stripe refuses
after the wallet was debited: payment.refund_rejected with `reversed_minor`, which the
wallet credits back. A course purchase is refunded through Stripe at once. Stripe's
`charge_already_refunded` answer (a repeat after its idempotency window) counts as refunded.
A refund made in Stripe's dashboard arrives as `charge.refunded`: in part, the payment is
`partially_refunded` (with the amount); in full, a course purchase is `refunded`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from azora.payment_sealing import ClientSecretSeal
from consumers.payments import sql
from consumers.payments.gateway import CancelResult, IntentResult, RefundResult, StripeGateway
from consumers.payments.rules import (
    NOT_REFUNDABLE,
    OPEN,
    intent_outcome,
    refunded,
    settle,
    status_after,
    stripe_refund,
    upgraded,
)
from schemas.payments import (
    PaymentCancelRequested,
    PaymentFailed,
    PaymentIntentCreatedV2,
    PaymentRefunded,
    PaymentRefundRejected,
    PaymentRefundRequested,
    PaymentRequested,
    PaymentWebhookReceived,
    PaymentWebhookReceivedV2,
)
from schemas.wallet import WalletDebited, WalletDebitRejected, WalletDebitRequested

log = logging.getLogger(__name__)


async def create_intents(
    gateway: StripeGateway, events: Sequence[Event[PaymentRequested]], pool: asyncpg.Pool
) -> dict[uuid.UUID, Any]:
    """Prepare step: a PaymentIntent per payment request (idempotent in Stripe), except for
    a checkout canceled before its request came (no intent for nobody to pay)."""
    canceled = {
        row["payment_id"]: row["reason"]
        for row in await pool.fetch(sql.CANCELLED, [e.payload.payment_id for e in events])
    }
    results: dict[uuid.UUID, Any] = {}
    for event in events:
        reason = canceled.get(event.payload.payment_id)
        if reason is not None:
            results[event.envelope.event_id] = IntentResult(failure=f"payment canceled: {reason}")
        else:
            results[event.envelope.event_id] = await gateway.create_intent(event.payload)
    return results


async def on_payment_requested(
    seal: ClientSecretSeal, events: Sequence[Event[PaymentRequested]], uow: UnitOfWork
) -> None:
    """Record each PaymentIntent Stripe created and announce it (its secret sealed for the
    ingress), or the failure."""
    created = []
    for event in events:
        p = event.payload
        outcome = intent_outcome(
            p, uow.prepared[event.envelope.event_id], event.envelope.occurred_at, seal
        )
        if isinstance(outcome, PaymentIntentCreatedV2):
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


Webhook = PaymentWebhookReceived | PaymentWebhookReceivedV2


async def on_webhook(events: Sequence[Event[Webhook]], uow: UnitOfWork) -> None:
    """Settle payments from Stripe's events: once, whatever order or how often they come.

    Both versions of the webhook topic arrive here: a version 1 event's Stripe object is
    read into the fields version 2 carries, so the two mean the same."""
    rows = await uow.conn.fetch(
        sql.BY_INTENT, list({e.payload.stripe_payment_intent_id for e in events})
    )
    payments = {row["stripe_payment_intent_id"]: dict(row) for row in rows}
    moved: dict[uuid.UUID, tuple[str, int | None]] = {}
    for event in events:
        payment = payments.get(event.payload.stripe_payment_intent_id)
        if payment is None:
            continue  # not one of ours
        at = event.envelope.occurred_at
        webhook = upgraded(event.payload)
        if webhook.stripe_event_type == "charge.refunded":
            _refunded_in_stripe(payment, webhook, event, uow, moved)
            continue
        outcome = settle(payment, webhook, at)
        if outcome is None:
            continue  # settled already, or nothing to do: a repeat changes nothing
        status = status_after(outcome)
        if status is not None:
            payment["status"] = status
            moved[payment["payment_id"]] = (status, None)
        uow.emit(outcome, cause=event)
    await _move(uow, moved)


def _refunded_in_stripe(
    payment: dict[str, Any],
    webhook: PaymentWebhookReceivedV2,
    event: Event[Webhook],
    uow: UnitOfWork,
    moved: dict[uuid.UUID, tuple[str, int | None]],
) -> None:
    """A refund made in Stripe (its dashboard), in full or in part, reported by webhook."""
    outcome = stripe_refund(payment, webhook, webhook.stripe_event_id, event.envelope.occurred_at)
    if outcome is None:
        return
    if payment["purpose"] != "course_purchase":
        # A top-up's money is in the wallet, which may have spent it: taking it back is an
        # operator's decision, so the wallet is not debited.
        log.warning(
            "payments: %s refunded in Stripe (%s of %s), not through Azora; the wallet "
            "was not debited",
            payment["payment_id"],
            getattr(outcome, "refunded_minor", payment["amount_minor"]),
            payment["amount_minor"],
        )
        if isinstance(outcome, PaymentRefunded):
            return  # the payment stays succeeded: its money is still in the wallet
    if isinstance(outcome, PaymentRefunded):
        payment["status"], payment["refunded_minor"] = "refunded", payment["amount_minor"]
    else:
        payment["status"], payment["refunded_minor"] = "partially_refunded", outcome.refunded_minor
    moved[payment["payment_id"]] = (payment["status"], payment["refunded_minor"])
    uow.emit(outcome, cause=event)


async def _lock(uow: UnitOfWork, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """The payments behind `ids`, locked for this transaction."""
    return {row["payment_id"]: dict(row) for row in await uow.conn.fetch(sql.LOCK, list(ids))}


async def _move(uow: UnitOfWork, moved: dict[uuid.UUID, tuple[str, int | None]]) -> None:
    """Set payments' statuses and, where given, how much of them is refunded."""
    if moved:
        await uow.conn.execute(
            sql.MOVE,
            list(moved),
            [status for status, _ in moved.values()],
            [refunded_minor for _, refunded_minor in moved.values()],
        )


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
    payments = await _lock(uow, [e.payload.payment_id for e in events])
    moved: dict[uuid.UUID, tuple[str, int | None]] = {}
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
    moved: dict[uuid.UUID, tuple[str, int | None]] = {}
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
    await _move(uow, moved)


async def on_wallet_debit_rejected(
    events: Sequence[Event[WalletDebitRejected]], uow: UnitOfWork
) -> None:
    """The wallet could not give the money back (it was spent): the refund is refused."""
    payments = await _lock(uow, [e.payload.reference for e in events])
    moved: dict[uuid.UUID, tuple[str, int | None]] = {}
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
    await _move(uow, moved)


async def cancel_checkouts(
    gateway: StripeGateway, events: Sequence[Event[PaymentCancelRequested]], pool: asyncpg.Pool
) -> dict[uuid.UUID, Any]:
    """Prepare step for cancel requests: cancel in Stripe each intent still open."""
    rows = await pool.fetch(sql.OPEN_INTENTS, list({e.payload.payment_id for e in events}))
    intents = {row["payment_id"]: row["stripe_payment_intent_id"] for row in rows}
    return {
        e.envelope.event_id: await gateway.cancel(
            e.payload.payment_id, intents[e.payload.payment_id]
        )
        for e in events
        if e.payload.payment_id in intents
    }


async def on_cancel_requested(
    events: Sequence[Event[PaymentCancelRequested]], uow: UnitOfWork
) -> None:
    """A checkout was abandoned: its payment fails for good once Stripe canceled the intent.

    An intent Stripe would not cancel (the customer paid meanwhile) is left to its webhook:
    the payment succeeds, and the saga that no longer needs it asks for a refund.
    """
    await uow.conn.execute(
        sql.REMEMBER_CANCELLATIONS,
        [e.payload.payment_id for e in events],
        [e.payload.reason for e in events],
    )
    payments = await _lock(uow, [e.payload.payment_id for e in events])
    moved: dict[uuid.UUID, tuple[str, int | None]] = {}
    for event in events:
        payment = payments.get(event.payload.payment_id)
        result: CancelResult | None = uow.prepared.get(event.envelope.event_id)
        if payment is None or payment["status"] not in OPEN or result is None:
            continue
        if not result.canceled:
            log.info("payments: %s not canceled: %s", payment["payment_id"], result.failure)
            continue
        payment["status"] = "failed"
        moved[payment["payment_id"]] = _status("failed")
        uow.emit(
            PaymentFailed(
                payment_id=payment["payment_id"],
                user_id=payment["user_id"],
                reason=f"payment canceled: {event.payload.reason}"[:500],
                failed_at=event.envelope.occurred_at,
            ),
            cause=event,
        )
    await _move(uow, moved)
