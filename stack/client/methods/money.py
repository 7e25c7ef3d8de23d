"""The wallet, payments, Stripe's webhook, and the admin's dead letters."""

from __future__ import annotations

import uuid
from typing import Any

import stack.client.calls as calls
from schemas import api
from stack.client.base import Blocking, checked, operation


class MoneyMethods(Blocking):
    @operation("requestPayment")
    def pay(
        self,
        amount_minor: int,
        currency: str,
        purpose: str,
        *,
        course_id: uuid.UUID | str | None = None,
        idempotency_key: str | None = None,
    ) -> api.PaymentAccepted:
        """Start a card payment."""
        return self.run(calls.pay(amount_minor, currency, purpose, course_id, idempotency_key))

    @operation("getPayment")
    def payment(self, payment_id: uuid.UUID | str) -> api.Payment:
        """One of the caller's payments."""
        return self.run(calls.payment(payment_id))

    @operation("requestRefund")
    def refund(
        self, payment_id: uuid.UUID | str, *, idempotency_key: str | None = None
    ) -> api.Accepted:
        """Refund a succeeded payment."""
        return self.run(calls.refund(payment_id, idempotency_key))

    @operation("getWallet")
    def wallet(self) -> api.Wallet:
        """The caller's balances."""
        return self.run(calls.wallet())

    @operation("listWalletTransactions")
    def transactions(self, *, limit: int = 50, before: str | None = None) -> api.TransactionPage:
        """The caller's ledger, newest first."""
        return self.run(calls.transactions(limit, before))

    @operation("transfer")
    def transfer(
        self,
        to_user_id: uuid.UUID | str,
        amount_minor: int,
        currency: str,
        *,
        idempotency_key: str | None = None,
    ) -> api.TransferAccepted:
        """Move money to another user."""
        return self.run(calls.transfer(to_user_id, amount_minor, currency, idempotency_key))

    @operation("receiveStripeWebhook")
    def stripe_webhook(self, payload: bytes, signature: str) -> dict[str, Any]:
        """Deliver a signed Stripe event, as Stripe would (development and test tools)."""
        answer: dict[str, Any] = checked(
            self._response(calls.stripe_webhook(payload, signature))
        ).json()
        return answer

    @operation("listDeadLetters")
    def dead_letters(
        self,
        *,
        topic: str | None = None,
        group: str | None = None,
        pending: bool = False,
        limit: int = 50,
        offset: int = 0,
    ) -> api.DeadLetterPage:
        """Dead letters, newest first (admins)."""
        return self.run(calls.dead_letters(topic, group, pending, limit, offset))

    @operation("getDeadLetter")
    def dead_letter(self, dead_letter_id: uuid.UUID | str) -> api.DeadLetter:
        """One dead letter with its record (admins)."""
        return self.run(calls.dead_letter(dead_letter_id))

    @operation("redriveDeadLetter")
    def redrive(self, dead_letter_id: uuid.UUID | str) -> api.RedriveAccepted:
        """Publish a dead letter's record again (admins)."""
        return self.run(calls.redrive(dead_letter_id))
