"""Payments' rules: what Stripe's answers and webhook events mean for a payment."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from azora.payment_sealing import ClientSecretSeal
from consumers.payments.gateway import IntentResult
from consumers.payments.rules import (
    intent_outcome,
    refunded,
    settle,
    status_after,
    stripe_refund,
    upgraded,
)
from schemas.payments import (
    PaymentAttemptFailed,
    PaymentFailed,
    PaymentIntentCreatedV2,
    PaymentPartiallyRefunded,
    PaymentRefunded,
    PaymentRequested,
    PaymentSucceeded,
    PaymentWebhookReceived,
    PaymentWebhookReceivedV2,
)
from tests.support.secrets import random_sealing_key

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


SEAL = ClientSecretSeal(random_sealing_key())


def a_webhook(kind: str, data: dict[str, Any] | None = None) -> PaymentWebhookReceivedV2:
    """A webhook fact as version 1 carried it (Stripe's object), read as version 2."""
    return upgraded(
        PaymentWebhookReceived(
            stripe_event_id="evt_1",
            stripe_event_type=kind,
            stripe_payment_intent_id="pi_1",
            data=data or {},
        )
    )


def test_an_intent_is_created_with_its_secret_sealed_for_the_payment_and_anything_less_fails() -> (
    None
):
    made = intent_outcome(a_request(), IntentResult("pi_1", "pi_1_secret_abc"), AT, SEAL)
    refused = intent_outcome(a_request(), IntentResult(failure="card declined"), AT, SEAL)
    assert isinstance(made, PaymentIntentCreatedV2)
    assert "pi_1_secret_abc" not in made.model_dump_json()
    assert SEAL.open(PAYMENT["payment_id"], made.client_secret_sealed) == "pi_1_secret_abc"
    assert isinstance(refused, PaymentFailed)
    assert refused.reason == "card declined"


def test_a_version_1_webhook_means_what_version_2_carries_and_keeps_nothing_else() -> None:
    charge = {
        "id": "ch_1",
        "object": "charge",
        "amount": 2500,
        "amount_refunded": 1000,
        "refunded": False,
        "currency": "eur",
        "billing_details": {"email": "payer@example.org", "name": "A Payer"},
        "payment_method_details": {"card": {"last4": "4242"}},
    }
    read = a_webhook("charge.refunded", charge)
    assert read.stripe_object_id == "ch_1"
    assert (read.amount_minor, read.amount_refunded_minor, read.refunded) == (2500, 1000, False)
    assert read.currency == "EUR"
    dumped = read.model_dump_json()
    assert "payer@example.org" not in dumped
    assert "4242" not in dumped


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


def a_charge(**fields: Any) -> PaymentWebhookReceivedV2:
    return PaymentWebhookReceivedV2(
        stripe_event_id="evt_1",
        stripe_event_type="charge.refunded",
        stripe_payment_intent_id="pi_1",
        **fields,
    )


def test_a_refund_in_stripe_below_the_amount_is_partial_and_only_a_larger_total_moves_it() -> None:
    paid = {**PAYMENT, "status": "succeeded"}
    partial = stripe_refund(
        paid, a_charge(amount_minor=2500, amount_refunded_minor=1000), "evt_1", AT
    )
    assert isinstance(partial, PaymentPartiallyRefunded)
    assert partial.refunded_minor == 1000
    part = {**paid, "status": "partially_refunded", "refunded_minor": 1000}
    assert stripe_refund(part, a_charge(amount_refunded_minor=1000), "evt_2", AT) is None
    assert stripe_refund(part, a_charge(amount_refunded_minor=500), "evt_3", AT) is None
    assert isinstance(
        stripe_refund(part, a_charge(amount_refunded_minor=2500), "evt_4", AT), PaymentRefunded
    )
    assert stripe_refund(PAYMENT, a_charge(amount_refunded_minor=2500), "evt_5", AT) is None


def test_a_refund_names_stripes_refund() -> None:
    assert refunded(PAYMENT, "re_1", AT).stripe_refund_id == "re_1"
