"""Stripe, through the official SDK: PaymentIntents with idempotency keys from payment ids."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import stripe

from azora.consume.errors import TransientError
from schemas.payments import PaymentRequested

NO_PROVIDER = "no payment provider configured"


@dataclass(frozen=True)
class IntentResult:
    """A created PaymentIntent, or why there is none."""

    intent_id: str | None = None
    client_secret: str | None = None
    failure: str | None = None


def idempotency_key(payment_id: uuid.UUID) -> str:
    """The key every Stripe call for this payment carries: a retry creates nothing new."""
    return f"azora-payment-{payment_id}"


class StripeGateway:
    """Creates PaymentIntents; Stripe's 5xx, rate limits and network errors are transient."""

    def __init__(self, client: stripe.StripeClient | None) -> None:
        self._client = client

    async def refund(self, payment_id: uuid.UUID, intent_id: str) -> RefundResult:
        """Refund a PaymentIntent in full, idempotently."""
        return await refund(self._client, payment_id, intent_id)

    async def cancel(self, payment_id: uuid.UUID, intent_id: str) -> CancelResult:
        """Cancel a PaymentIntent, idempotently (one that has gone through cannot be)."""
        return await cancel(self._client, payment_id, intent_id)

    async def create_intent(self, payment: PaymentRequested) -> IntentResult:
        """A PaymentIntent for `payment` (the same one however often this is called)."""
        if self._client is None:
            return IntentResult(failure=NO_PROVIDER)
        metadata = {
            "payment_id": str(payment.payment_id),
            "user_id": str(payment.user_id),
            "purpose": payment.purpose,
        }
        try:
            intent = await self._client.v1.payment_intents.create_async(
                params={
                    "amount": payment.amount_minor,
                    "currency": payment.currency.lower(),
                    "metadata": metadata,
                    "automatic_payment_methods": {"enabled": True},
                },
                options={"idempotency_key": idempotency_key(payment.payment_id)},
            )
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            raise TransientError(f"Stripe unreachable: {exc}") from exc
        except stripe.AuthenticationError as exc:
            # A wrong key is the operator's to fix; skipping payments would lose them.
            raise TransientError(f"Stripe refused our key: {exc}") from exc
        except stripe.StripeError as exc:
            if (exc.http_status or 500) >= 500:
                raise TransientError(f"Stripe error {exc.http_status}: {exc}") from exc
            return IntentResult(failure=f"Stripe refused the payment: {exc.user_message or exc}")
        if not intent.client_secret:
            raise TransientError("Stripe answered without a client_secret")
        return IntentResult(intent_id=intent.id, client_secret=intent.client_secret)


@dataclass(frozen=True)
class RefundResult:
    """A refund Stripe made (or had made before), or why it would not."""

    refund_id: str | None = None
    failure: str | None = None


# Stripe's error code for a refund of a charge that is refunded in full already: after
# the idempotency key's 24 hours, a repeated refund gets this instead of the first answer.
ALREADY_REFUNDED = "charge_already_refunded"
# Stripe's error code for a cancel of an intent that can no longer be canceled
# (it succeeded, or is processing a payment).
UNEXPECTED_STATE = "payment_intent_unexpected_state"


def refund_key(payment_id: uuid.UUID) -> str:
    """The idempotency key of a payment's (one, full) refund."""
    return f"azora-refund-{payment_id}"


async def refund(
    client: stripe.StripeClient | None, payment_id: uuid.UUID, intent_id: str
) -> RefundResult:
    """Refund a PaymentIntent in full (the same refund however often this is called)."""
    if client is None:
        return RefundResult(failure=NO_PROVIDER)
    try:
        made = await client.v1.refunds.create_async(
            params={"payment_intent": intent_id},
            options={"idempotency_key": refund_key(payment_id)},
        )
    except stripe.StripeError as exc:
        _raise_if_transient(exc)
        if exc.code == ALREADY_REFUNDED:
            # The money went back already (our first try, or Stripe's dashboard): that is
            # the outcome asked for, not a refusal, so nothing is credited back.
            return RefundResult(refund_id=await _existing_refund(client, intent_id))
        return RefundResult(failure=f"Stripe refused the refund: {exc.user_message or exc}")
    return RefundResult(refund_id=made.id)


async def _existing_refund(client: stripe.StripeClient, intent_id: str) -> str:
    """The id of a refund Stripe already made for `intent_id` (for the record)."""
    try:
        refunds = await client.v1.refunds.list_async(
            params={"payment_intent": intent_id, "limit": 1}
        )
    except stripe.StripeError as exc:
        _raise_if_transient(exc)
        refunds = None
    if refunds is not None and refunds.data:
        return str(refunds.data[0].id)
    return f"{ALREADY_REFUNDED}:{intent_id}"[:255]


@dataclass(frozen=True)
class CancelResult:
    """Whether Stripe canceled an intent, or why not."""

    canceled: bool
    failure: str | None = None


def cancel_key(payment_id: uuid.UUID) -> str:
    """The idempotency key of a payment's cancellation."""
    return f"azora-cancel-{payment_id}"


async def cancel(
    client: stripe.StripeClient | None, payment_id: uuid.UUID, intent_id: str
) -> CancelResult:
    """Cancel a PaymentIntent (the same cancellation however often this is called)."""
    if client is None:
        return CancelResult(canceled=False, failure=NO_PROVIDER)
    try:
        await client.v1.payment_intents.cancel_async(
            intent_id,
            params={"cancellation_reason": "abandoned"},
            options={"idempotency_key": cancel_key(payment_id)},
        )
    except stripe.StripeError as exc:
        _raise_if_transient(exc)
        # Typically UNEXPECTED_STATE: the customer paid meanwhile. Stripe's webhook settles
        # that payment, and whoever no longer needs it refunds it.
        return CancelResult(canceled=False, failure=f"{exc.code or 'refused'}: {exc}"[:500])
    return CancelResult(canceled=True)


def _raise_if_transient(exc: stripe.StripeError) -> None:
    """Stripe unreachable, rate limiting, refusing our key or failing (5xx): retry later."""
    if isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError)):
        raise TransientError(f"Stripe unreachable: {exc}") from exc
    if isinstance(exc, stripe.AuthenticationError):
        # A wrong key is the operator's to fix; skipping the call would lose it.
        raise TransientError(f"Stripe refused our key: {exc}") from exc
    if (exc.http_status or 500) >= 500:
        raise TransientError(f"Stripe error {exc.http_status}: {exc}") from exc


def make_client(
    api_key: str | None, api_base: str | None, timeout_s: float
) -> stripe.StripeClient | None:
    """The SDK client (None without a key); `api_base` points it at stripe-mock in tests."""
    if not api_key:
        return None
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        http_client=stripe.HTTPXClient(timeout=timeout_s),
        max_network_retries=2,
    )
