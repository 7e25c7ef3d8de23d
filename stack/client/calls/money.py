"""Calls of the wallet, payments, Stripe's webhook, and the admin's dead letters."""

from __future__ import annotations

import uuid

from pydantic import BaseModel

from schemas import api
from stack.client.calls.base import Call, body_of, clean


# Money
def pay(
    amount_minor: int,
    currency: str,
    purpose: str,
    course_id: uuid.UUID | str | None,
    key: str | None,
) -> Call[api.PaymentAccepted]:
    """POST /v1/payments."""
    body = body_of(
        api.PaymentRequest(
            amount_minor=amount_minor, currency=currency, purpose=purpose, course_id=course_id
        )
    )
    return Call("POST", "/v1/payments", api.PaymentAccepted, body, idempotency_key=key)


def payment(payment_id: uuid.UUID | str) -> Call[api.Payment]:
    """GET /v1/payments/{id}."""
    return Call("GET", f"/v1/payments/{payment_id}", api.Payment)


def refund(payment_id: uuid.UUID | str, key: str | None) -> Call[api.Accepted]:
    """POST /v1/payments/{id}/refund."""
    return Call("POST", f"/v1/payments/{payment_id}/refund", api.Accepted, idempotency_key=key)


def wallet() -> Call[api.Wallet]:
    """GET /v1/wallet."""
    return Call("GET", "/v1/wallet", api.Wallet)


def transactions(limit: int, before: str | None) -> Call[api.TransactionPage]:
    """GET /v1/wallet/transactions."""
    return Call(
        "GET",
        "/v1/wallet/transactions",
        api.TransactionPage,
        params=clean({"limit": limit, "before": before}),
    )


def transfer(
    to_user_id: uuid.UUID | str, amount_minor: int, currency: str, key: str | None
) -> Call[api.TransferAccepted]:
    """POST /v1/wallet/transfers."""
    body = body_of(
        api.TransferRequest(to_user_id=to_user_id, amount_minor=amount_minor, currency=currency)
    )
    return Call("POST", "/v1/wallet/transfers", api.TransferAccepted, body, idempotency_key=key)


def stripe_webhook(payload: bytes, signature: str) -> Call[BaseModel]:
    """POST /v1/webhooks/stripe: Stripe's call, the body sent as the exact bytes signed."""
    return Call(
        "POST",
        "/v1/webhooks/stripe",
        None,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
        content=payload,
    )


# Admin
def dead_letters(
    topic: str | None, group: str | None, pending: bool, limit: int, offset: int
) -> Call[api.DeadLetterPage]:
    """GET /v1/admin/dead-letters (admins)."""
    params = clean(
        {"topic": topic, "group": group, "pending": pending, "limit": limit, "offset": offset}
    )
    return Call("GET", "/v1/admin/dead-letters", api.DeadLetterPage, params=params)


def dead_letter(dead_letter_id: uuid.UUID | str) -> Call[api.DeadLetter]:
    """GET /v1/admin/dead-letters/{id} (admins)."""
    return Call("GET", f"/v1/admin/dead-letters/{dead_letter_id}", api.DeadLetter)


def redrive(dead_letter_id: uuid.UUID | str) -> Call[api.RedriveAccepted]:
    """POST /v1/admin/dead-letters/{id}/redrive (admins)."""
    return Call("POST", f"/v1/admin/dead-letters/{dead_letter_id}/redrive", api.RedriveAccepted)
