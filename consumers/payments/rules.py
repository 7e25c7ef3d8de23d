"""Payments' rules as pure functions: what Stripe's answers and events mean for a payment."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from azora.payment_sealing import ClientSecretSeal
from consumers.payments.gateway import IntentResult
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
from schemas.stripe_objects import webhook_fields

NOT_REFUNDABLE = "only a succeeded payment can be refunded"
# Stripe's PaymentIntent lifecycle: a declined attempt puts the intent back to
# `requires_payment_method`, where the customer may try another card; only a canceled
# intent is final. So a payment is open (a webhook may settle it) while it waits for a
# payment method. `failed` is final for Stripe too (a canceled intent never succeeds), but
# a `succeeded` event is Stripe's word that money was captured: it is taken even then, so
# a payment marked failed by an older release's reading of a declined attempt is credited.
OPEN = {"requires_payment_method"}
SETTLES_AS_SUCCEEDED = {"requires_payment_method", "failed"}
# What a refund reported by Stripe (`charge.refunded`) may move: a captured payment.
REFUNDABLE_BY_STRIPE = {"succeeded", "partially_refunded"}

Settlement = PaymentSucceeded | PaymentFailed | PaymentAttemptFailed


def intent_outcome(
    request: PaymentRequested, result: IntentResult, at: datetime, seal: ClientSecretSeal
) -> PaymentIntentCreatedV2 | PaymentFailed:
    """The fact a payment request becomes once Stripe answered: an intent, or why not.

    The intent's client secret leaves the service only sealed for the ingress, bound to
    the payment (`azora.payment_sealing`): the log never holds it in clear.
    """
    if result.intent_id is None or result.client_secret is None:
        return PaymentFailed(
            payment_id=request.payment_id,
            user_id=request.user_id,
            reason=result.failure or "payment failed",
            failed_at=at,
        )
    return PaymentIntentCreatedV2(
        payment_id=request.payment_id,
        user_id=request.user_id,
        stripe_payment_intent_id=result.intent_id,
        client_secret_sealed=seal.seal(request.payment_id, result.client_secret),
        amount_minor=request.amount_minor,
        currency=request.currency,
        purpose=request.purpose,
    )


def upgraded(
    webhook: PaymentWebhookReceived | PaymentWebhookReceivedV2,
) -> PaymentWebhookReceivedV2:
    """A webhook fact as version 2 says it: a version 1 event's object read the same way the
    ingress reads Stripe's object today."""
    if isinstance(webhook, PaymentWebhookReceivedV2):
        return webhook
    return PaymentWebhookReceivedV2(
        stripe_event_id=webhook.stripe_event_id,
        stripe_event_type=webhook.stripe_event_type,
        stripe_payment_intent_id=webhook.stripe_payment_intent_id,
        **webhook_fields(webhook.data),
    )


def settle(
    payment: Mapping[str, Any], webhook: PaymentWebhookReceivedV2, at: datetime
) -> Settlement | None:
    """What a PaymentIntent event means for `payment` in its current status (None: nothing).

    `succeeded` settles an open (or failed) payment once; `payment_failed` is one declined
    attempt of an open payment, which stays open; `canceled` fails an open payment for good.
    """
    kind = webhook.stripe_event_type
    status = payment["status"]
    if kind == "payment_intent.succeeded" and status in SETTLES_AS_SUCCEEDED:
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
    if status not in OPEN:
        return None
    if kind == "payment_intent.payment_failed":
        return PaymentAttemptFailed(
            payment_id=payment["payment_id"],
            user_id=payment["user_id"],
            reason=_reason(webhook, "payment attempt declined"),
            failed_at=at,
        )
    if kind == "payment_intent.canceled":
        return PaymentFailed(
            payment_id=payment["payment_id"],
            user_id=payment["user_id"],
            reason=_reason(webhook, "payment canceled"),
            failed_at=at,
        )
    return None


def status_after(outcome: Settlement) -> str | None:
    """The status a payment moves to with `outcome` (None: it stays where it is)."""
    if isinstance(outcome, PaymentSucceeded):
        return "succeeded"
    if isinstance(outcome, PaymentFailed):
        return "failed"
    return None  # a declined attempt: still waiting for a payment method


def _reason(webhook: PaymentWebhookReceivedV2, default: str) -> str:
    reason = webhook.failure_message
    if not reason and webhook.cancellation_reason:
        reason = f"{default}: {webhook.cancellation_reason}"
    return (reason or default)[:500]


def stripe_refund(
    payment: Mapping[str, Any], charge: PaymentWebhookReceivedV2, reference: str, at: datetime
) -> PaymentRefunded | PaymentPartiallyRefunded | None:
    """What a refund reported by Stripe means for a captured payment (None: nothing new).

    Stripe reports the total refunded so far: less than the payment is a partial refund
    (recorded, and only a larger total moves it again, so reordered or repeated events
    change nothing); the whole amount is a refund.
    """
    if payment["status"] not in REFUNDABLE_BY_STRIPE:
        return None
    total = charge.amount_refunded_minor
    if total is None:
        total = payment["amount_minor"] if charge.refunded is True else 0
    if total >= payment["amount_minor"]:
        return refunded(payment, reference, at)
    if total <= payment["refunded_minor"]:
        return None
    return PaymentPartiallyRefunded(
        payment_id=payment["payment_id"],
        user_id=payment["user_id"],
        amount_minor=payment["amount_minor"],
        refunded_minor=total,
        currency=payment["currency"],
        purpose=payment["purpose"],
        refunded_at=at,
    )


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
