"""Card payments: a Stripe PaymentIntent for each payment request, recorded and announced.

Stripe is called in the consume loop's prepare step (`create_intents`), outside any
transaction; the handler then records what happened in the private `payments` schema.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from azora.payment_sealing import ClientSecretSeal
from consumers.payments import sql
from consumers.payments.gateway import IntentResult, StripeGateway
from consumers.payments.rules import intent_outcome
from schemas.payments import PaymentIntentCreatedV2, PaymentRequested


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
