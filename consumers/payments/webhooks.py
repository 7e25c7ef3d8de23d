"""Stripe's webhooks settle payments, once, whatever order or how often they come.

Webhook events arrive with ids derived from Stripe's event ids, so a redelivered webhook
is a duplicate to the inbox. Stripe's PaymentIntent lifecycle: a declined attempt
(`payment_intent.payment_failed`) leaves the intent waiting for another payment method, so
the payment stays open (`payment.attempt_failed`); it fails for good when the intent is
canceled (`payment_intent.canceled`), and `payment_intent.succeeded` settles it once,
after any number of declines. A refund made in Stripe's dashboard arrives as
`charge.refunded`: in part, the payment is `partially_refunded` (with the amount); in
full, a course purchase is `refunded`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from consumers.payments import sql
from consumers.payments.payment_rows import Moves, move
from consumers.payments.rules import settle, status_after, stripe_refund, upgraded
from schemas.payments import PaymentRefunded, PaymentWebhookReceived, PaymentWebhookReceivedV2

log = logging.getLogger(__name__)

Webhook = PaymentWebhookReceived | PaymentWebhookReceivedV2


async def on_webhook(events: Sequence[Event[Webhook]], uow: UnitOfWork) -> None:
    """Settle payments from Stripe's events: once, whatever order or how often they come.

    Both versions of the webhook topic arrive here: a version 1 event's Stripe object is
    read into the fields version 2 carries, so the two mean the same."""
    rows = await uow.conn.fetch(
        sql.BY_INTENT, list({e.payload.stripe_payment_intent_id for e in events})
    )
    payments = {row["stripe_payment_intent_id"]: dict(row) for row in rows}
    moved: Moves = {}
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
    await move(uow, moved)


def _refunded_in_stripe(
    payment: dict[str, Any],
    webhook: PaymentWebhookReceivedV2,
    event: Event[Webhook],
    uow: UnitOfWork,
    moved: Moves,
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
