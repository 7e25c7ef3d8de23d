"""Abandoned checkouts: a saga's `payment.cancel_requested` cancels the Stripe intent.

The cancellation is remembered even when it arrives before the payment's own request
(they travel on two topics): `intents.create_intents` then creates no intent for it.
Stripe is called in the consume loop's prepare step (`cancel_checkouts`), outside any
transaction.
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
from consumers.payments.gateway import CancelResult, StripeGateway
from consumers.payments.payment_rows import Moves, lock, move
from consumers.payments.rules import OPEN
from schemas.payments import PaymentCancelRequested, PaymentFailed

log = logging.getLogger(__name__)


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
    payments = await lock(uow, [e.payload.payment_id for e in events])
    moved: Moves = {}
    for event in events:
        payment = payments.get(event.payload.payment_id)
        result: CancelResult | None = uow.prepared.get(event.envelope.event_id)
        if payment is None or payment["status"] not in OPEN or result is None:
            continue
        if not result.canceled:
            log.info("payments: %s not canceled: %s", payment["payment_id"], result.failure)
            continue
        payment["status"] = "failed"
        moved[payment["payment_id"]] = ("failed", None)
        uow.emit(
            PaymentFailed(
                payment_id=payment["payment_id"],
                user_id=payment["user_id"],
                reason=f"payment canceled: {event.payload.reason}"[:500],
                failed_at=event.envelope.occurred_at,
            ),
            cause=event,
        )
    await move(uow, moved)
