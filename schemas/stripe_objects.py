"""What a Stripe webhook object says that payments acts on, taken out of the object.

The ingress publishes these fields (`payment.webhook_received.v2`) instead of Stripe's
object, and payments reads a version 1 event's `data` through the same function, so both
versions mean the same. Anything missing, mistyped or out of bounds is left out (None):
Stripe adds fields and changes nothing payments needs without a new API version.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MAX_TEXT = 255
MAX_MESSAGE = 500
MAX_AMOUNT = 1_000_000_000_000
_CURRENCY = re.compile(r"[A-Za-z]{3}")


def webhook_fields(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The bounded fields of a PaymentIntent or Charge object that payments needs."""
    error = obj.get("last_payment_error")
    error = error if isinstance(error, Mapping) else {}
    return {
        "stripe_object_id": _text(obj.get("id")),
        "status": _text(obj.get("status")),
        "amount_minor": _amount(obj.get("amount")),
        "amount_refunded_minor": _amount(obj.get("amount_refunded")),
        "refunded": obj.get("refunded") if isinstance(obj.get("refunded"), bool) else None,
        "currency": _currency(obj.get("currency")),
        # A PaymentIntent names its last declined attempt's error; a Charge its own failure.
        "failure_code": _text(error.get("code")) or _text(obj.get("failure_code")),
        "failure_message": _text(error.get("message"), MAX_MESSAGE)
        or _text(obj.get("failure_message"), MAX_MESSAGE),
        "cancellation_reason": _text(obj.get("cancellation_reason")),
    }


def _text(value: Any, limit: int = MAX_TEXT) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value[:limit]


def _amount(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_AMOUNT:
        return value
    return None


def _currency(value: Any) -> str | None:
    if isinstance(value, str) and _CURRENCY.fullmatch(value):
        return value.upper()
    return None
