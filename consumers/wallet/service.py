"""Wallet: posts credits, debits and transfers to its ledger; owns the `wallet` schema."""

from __future__ import annotations

from azora.consume.service import service, subscribe
from consumers.wallet import handlers
from schemas import catalogue as topics

WALLET = service(
    "wallet",
    # Who exists: an insert if absent, so a repeat changes nothing.
    subscribe(topics.USER_REGISTERED, handlers.on_user_registered, replay_safe=True),
    subscribe(topics.USER_REGISTERED_V2, handlers.on_user_registered, replay_safe=True),
    subscribe(topics.USER_REGISTERED_V3, handlers.on_user_registered, replay_safe=True),
    subscribe(topics.USER_REGISTERED_WITH_PROVIDER, handlers.on_user_registered, replay_safe=True),
    subscribe(
        topics.USER_REGISTERED_WITH_PROVIDER_V2, handlers.on_user_registered, replay_safe=True
    ),
    subscribe(topics.PAYMENT_SUCCEEDED, handlers.on_payment_succeeded),
    subscribe(topics.WALLET_TRANSFER_REQUESTED, handlers.on_transfer_requested),
    subscribe(topics.WALLET_DEBIT_REQUESTED, handlers.on_debit_requested),
    subscribe(topics.PAYMENT_REFUND_REJECTED, handlers.on_refund_rejected),
)
