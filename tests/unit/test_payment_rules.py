"""Payments' rules: what Stripe's answers and webhook events mean for a payment."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from consumers.payments.gateway import IntentResult
from consumers.payments.rules import intent_outcome, refunded, settle
from schemas.payments import (
    PaymentFailed,
    PaymentIntentCreated,
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


def test_a_failure_says_why_and_other_events_mean_nothing() -> None:
    error = {"last_payment_error": {"message": "insufficient funds"}}
    failed = settle(PAYMENT, a_webhook("payment_intent.payment_failed", error), AT)
    canceled = settle(PAYMENT, a_webhook("payment_intent.canceled"), AT)
    assert isinstance(failed, PaymentFailed)
    assert failed.reason == "insufficient funds"
    assert isinstance(canceled, PaymentFailed)
    assert canceled.reason == "payment canceled"
    assert settle(PAYMENT, a_webhook("payment_intent.created"), AT) is None


def test_a_refund_names_stripes_refund() -> None:
    assert refunded(PAYMENT, "re_1", AT).stripe_refund_id == "re_1"
