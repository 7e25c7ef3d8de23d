"""Payments' rules: what Stripe's answers and webhook events mean for a payment."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from consumers.payments.gateway import IntentResult
from consumers.payments.rules import intent_outcome, refunded, settle, status_after, stripe_refund
from schemas.payments import (
    PaymentAttemptFailed,
    PaymentFailed,
    PaymentIntentCreated,
    PaymentPartiallyRefunded,
    PaymentRefunded,
    PaymentRequested,
    PaymentSucceeded,
    PaymentWebhookReceived,
)

AT = datetime(2026, 1, 1, tzinfo=UTC)
PAYMENT: dict[str, Any] = {
    "payment_id": uuid.uuid4(),
    "user_id": uuid.uuid4(),
    "amount_minor": 2500,
    "currency": "EUR",
    "purpose": "wallet_top_up",
    "course_id": None,
    "status": "requires_payment_method",
    "refunded_minor": 0,
}


def a_request() -> PaymentRequested:
    return PaymentRequested(
        payment_id=PAYMENT["payment_id"],
        user_id=PAYMENT["user_id"],
        amount_minor=2500,
        currency="EUR",
        purpose="wallet_top_up",
    )


def a_webhook(kind: str, data: dict[str, Any] | None = None) -> PaymentWebhookReceived:
    return PaymentWebhookReceived(
        stripe_event_id="evt_1",
        stripe_event_type=kind,
        stripe_payment_intent_id="pi_1",
        data=data or {},
    )


def test_an_intent_with_its_secret_is_created_and_anything_less_fails() -> None:
    made = intent_outcome(a_request(), IntentResult("pi_1", "secret_1"), AT)
    refused = intent_outcome(a_request(), IntentResult(failure="card declined"), AT)
    assert isinstance(made, PaymentIntentCreated)
    assert made.client_secret == "secret_1"
    assert isinstance(refused, PaymentFailed)
    assert refused.reason == "card declined"


def test_success_takes_the_amount_from_our_record_not_the_webhook() -> None:
    outcome = settle(PAYMENT, a_webhook("payment_intent.succeeded", {"amount": 1}), AT)
    assert isinstance(outcome, PaymentSucceeded)
    assert outcome.amount_minor == 2500


def test_a_declined_attempt_says_why_and_leaves_the_payment_open() -> None:
    error = {"last_payment_error": {"message": "insufficient funds"}}
    declined = settle(PAYMENT, a_webhook("payment_intent.payment_failed", error), AT)
    assert isinstance(declined, PaymentAttemptFailed)
    assert declined.reason == "insufficient funds"
    assert status_after(declined) is None


def test_only_a_canceled_intent_fails_the_payment_and_other_events_mean_nothing() -> None:
    canceled = settle(PAYMENT, a_webhook("payment_intent.canceled"), AT)
    assert isinstance(canceled, PaymentFailed)
    assert canceled.reason == "payment canceled"
    assert status_after(canceled) == "failed"
    assert settle(PAYMENT, a_webhook("payment_intent.created"), AT) is None


def test_success_after_a_declined_attempt_settles_and_a_settled_payment_stays_settled() -> None:
    assert isinstance(settle(PAYMENT, a_webhook("payment_intent.succeeded"), AT), PaymentSucceeded)
    done = {**PAYMENT, "status": "succeeded"}
    for kind in ("succeeded", "payment_failed", "canceled"):
        assert settle(done, a_webhook(f"payment_intent.{kind}"), AT) is None


def test_a_refund_in_stripe_below_the_amount_is_partial_and_only_a_larger_total_moves_it() -> None:
    paid = {**PAYMENT, "status": "succeeded"}
    partial = stripe_refund(paid, {"amount": 2500, "amount_refunded": 1000}, "evt_1", AT)
    assert isinstance(partial, PaymentPartiallyRefunded)
    assert partial.refunded_minor == 1000
    part = {**paid, "status": "partially_refunded", "refunded_minor": 1000}
    assert stripe_refund(part, {"amount_refunded": 1000}, "evt_2", AT) is None
    assert stripe_refund(part, {"amount_refunded": 500}, "evt_3", AT) is None
    assert isinstance(stripe_refund(part, {"amount_refunded": 2500}, "evt_4", AT), PaymentRefunded)
    assert stripe_refund(PAYMENT, {"amount_refunded": 2500}, "evt_5", AT) is None


def test_a_refund_names_stripes_refund() -> None:
    assert refunded(PAYMENT, "re_1", AT).stripe_refund_id == "re_1"
