"""Payments: card payments through Stripe, settled by Stripe's verified webhooks; refunds."""

from __future__ import annotations

from functools import partial

from azora.consume.service import Service, service, subscribe
from azora.payment_sealing import ClientSecretSeal
from consumers.payments import handlers
from consumers.payments.gateway import StripeGateway
from schemas import catalogue as topics


def make_payments(gateway: StripeGateway, seal: ClientSecretSeal) -> Service:
    """The payments service around a Stripe gateway, sealing client secrets with `seal`."""
    return service(
        "payments",
        subscribe(
            topics.PAYMENT_REQUESTED,
            partial(handlers.on_payment_requested, seal),
            prepare=partial(handlers.create_intents, gateway),
        ),
        # Version 1 is read until its legacy retention empties it; the ingress writes version 2.
        subscribe(topics.PAYMENT_WEBHOOK_RECEIVED, handlers.on_webhook),
        subscribe(topics.PAYMENT_WEBHOOK_RECEIVED_V2, handlers.on_webhook),
        subscribe(
            topics.PAYMENT_REFUND_REQUESTED,
            handlers.on_refund_requested,
            prepare=partial(handlers.refund_courses, gateway),
        ),
        subscribe(
            topics.PAYMENT_CANCEL_REQUESTED,
            handlers.on_cancel_requested,
            prepare=partial(handlers.cancel_checkouts, gateway),
        ),
        # Of all wallet debits, payments acts on the refunds it asked the wallet for.
        subscribe(
            topics.WALLET_DEBITED,
            handlers.on_wallet_debited,
            prepare=partial(handlers.refund_debited, gateway),
            acts_on=handlers.is_refund,
        ),
        subscribe(topics.WALLET_DEBIT_REJECTED, handlers.on_wallet_debit_rejected),
    )
