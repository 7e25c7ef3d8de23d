"""Payments' rules as pure functions: what Stripe's answers and events mean for a payment."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from consumers.payments.gateway import IntentResult
from schemas.payments import (
    PaymentFailed,
    PaymentIntentCreated,
    PaymentRefunded,
    PaymentRequested,
    PaymentSucceeded,
    PaymentWebhookReceived,
)

NOT_REFUNDABLE = "only a succeeded payment can be refunded"
# A webhook never moves a payment out of these (refunds have their own saga).
FINAL = {"succeeded", "failed", "refund_pending", "refunded"}


def intent_outcome(
    request: PaymentRequested, result: IntentResult, at: datetime
) -> PaymentIntentCreated | PaymentFailed:
    """The fact a payment request becomes once Stripe answered: an intent, or why not."""
    if result.intent_id is None or result.client_secret is None:
        return PaymentFailed(
            payment_id=request.payment_id,
            user_id=request.user_id,
            reason=result.failure or "payment failed",
            failed_at=at,
        )
    return PaymentIntentCreated(
        payment_id=request.payment_id,
        user_id=request.user_id,
        stripe_payment_intent_id=result.intent_id,
        client_secret=result.client_secret,
        amount_minor=request.amount_minor,
        currency=request.currency,
        purpose=request.purpose,
    )


def settle(
    payment: Mapping[str, Any], webhook: PaymentWebhookReceived, at: datetime
) -> PaymentSucceeded | PaymentFailed | None:
    """What a Stripe event means for a payment not yet settled (None: nothing)."""
    kind = webhook.stripe_event_type
    if kind == "payment_intent.succeeded":
        # Amounts come from our own record, never from the webhook's body.
        return PaymentSucceeded(
            payment_id=payment["payment_id"],
            user_id=payment["user_id"],
            amount_minor=payment["amount_minor"],
            currency=payment["currency"],
            purpose=payment["purpose"],
            course_id=payment["course_id"],
            succeeded_at=at,
        )
    if kind in ("payment_intent.payment_failed", "payment_intent.canceled"):
        error = webhook.data.get("last_payment_error") or {}
        reason = str(error.get("message") or kind.replace("payment_intent.", "payment "))
        return PaymentFailed(
            payment_id=payment["payment_id"],
            user_id=payment["user_id"],
            reason=reason[:500],
            failed_at=at,
        )
    return None


def refunded(payment: Mapping[str, Any], refund_id: str, at: datetime) -> PaymentRefunded:
    """The fact of a refund Stripe made for `payment`."""
    return PaymentRefunded(
        payment_id=payment["payment_id"],
        user_id=payment["user_id"],
        amount_minor=payment["amount_minor"],
        currency=payment["currency"],
        purpose=payment["purpose"],
        stripe_refund_id=refund_id,
        refunded_at=at,
    )
