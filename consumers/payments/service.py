"""Payments: card payments through Stripe, settled by Stripe's verified webhooks; refunds."""

from __future__ import annotations

from functools import partial

from azora.consume.service import Service, service, subscribe
from azora.payment_sealing import ClientSecretSeal
from consumers.payments import cancellations, intents, refunds, webhooks
from consumers.payments.gateway import StripeGateway
from schemas import catalogue as topics


def make_payments(gateway: StripeGateway, seal: ClientSecretSeal) -> Service:
    """The payments service around a Stripe gateway, sealing client secrets with `seal`."""
    return service(
        "payments",
        subscribe(
            topics.PAYMENT_REQUESTED,
            partial(intents.on_payment_requested, seal),
            prepare=partial(intents.create_intents, gateway),
        ),
        # Version 1 is read until its legacy retention empties it; the ingress writes version 2.
        subscribe(topics.PAYMENT_WEBHOOK_RECEIVED, webhooks.on_webhook),
        subscribe(topics.PAYMENT_WEBHOOK_RECEIVED_V2, webhooks.on_webhook),
        subscribe(
            topics.PAYMENT_REFUND_REQUESTED,
            refunds.on_refund_requested,
            prepare=partial(refunds.refund_courses, gateway),
        ),
        subscribe(
            topics.PAYMENT_CANCEL_REQUESTED,
            cancellations.on_cancel_requested,
            prepare=partial(cancellations.cancel_checkouts, gateway),
        ),
        # Of all wallet debits, payments acts on the refunds it asked the wallet for.
        subscribe(
            topics.WALLET_DEBITED,
            refunds.on_wallet_debited,
            prepare=partial(refunds.refund_debited, gateway),
            acts_on=refunds.is_refund,
        ),
        subscribe(topics.WALLET_DEBIT_REJECTED, refunds.on_wallet_debit_rejected),
    )
