"""Development only: settle your own card payment as Stripe's webhook would.

With stripe-mock nobody can pay a PaymentIntent (it keeps no state and sends no
webhooks), so a development portal offers a control that ends one: the ingress builds the
event Stripe would send, signs it with the webhook secret (which never leaves the
server), and hands it to the webhook receiver, through the same signature check and the
same publication as a real delivery. Mounted only with `AZORA_DEV_PAYMENT_CONTROLS`
(refused in production), and left out of the OpenAPI document: it is no part of the API.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from producers.ingress import queries
from producers.ingress.auth import Ctx, CurrentUser
from producers.ingress.payments import receive_webhook
from producers.ingress.problems import PROBLEM_RESPONSES, Problem

router = APIRouter(prefix="/v1/dev", tags=["development"], responses=PROBLEM_RESPONSES)

PAYMENT = """
SELECT stripe_payment_intent_id, amount_minor, currency, status
FROM read.payments WHERE payment_id = $1 AND user_id = $2
"""
# What each outcome looks like to Stripe: the event type, and the intent it carries.
EVENTS: dict[str, tuple[str, dict[str, Any]]] = {
    "succeeded": ("payment_intent.succeeded", {"status": "succeeded"}),
    "payment_failed": (
        "payment_intent.payment_failed",
        {
            "status": "requires_payment_method",
            "last_payment_error": {
                "code": "card_declined",
                "decline_code": "generic_decline",
                "message": "Your card was declined.",
            },
        },
    ),
    "canceled": (
        "payment_intent.canceled",
        {"status": "canceled", "cancellation_reason": "requested_by_customer"},
    ),
}


class Settlement(BaseModel):
    """How the test card payment should end."""

    model_config = ConfigDict(extra="forbid")

    outcome: Literal["succeeded", "payment_failed", "canceled"]


@router.post("/payments/{payment_id}/settle", include_in_schema=False)
async def settle(
    payment_id: uuid.UUID, body: Settlement, user: CurrentUser, ctx: Ctx
) -> dict[str, Any]:
    """Deliver a signed Stripe event about one of the caller's own card payments."""
    row = await queries.fetch_one(ctx, PAYMENT, payment_id, user.user_id)
    if row is None:
        raise Problem(404, "not_found", "Payment not found", "no such payment of yours (yet)")
    if not row["stripe_payment_intent_id"]:
        raise Problem(
            409, "no_intent", "No PaymentIntent yet", "Stripe holds no intent for it (yet)"
        )
    kind, intent = EVENTS[body.outcome]
    event = stripe_event(
        kind,
        {
            "id": row["stripe_payment_intent_id"],
            "object": "payment_intent",
            "amount": row["amount_minor"],
            "currency": str(row["currency"]).lower(),
            "metadata": {"payment_id": str(payment_id), "user_id": str(user.user_id)},
            **intent,
        },
    )
    secret = ctx.settings.required_secret("stripe_webhook_secret")
    received = await receive_webhook(ctx, event, signature(event, secret))
    return {**received, "event_type": kind, "payment_status_before": row["status"]}


def stripe_event(kind: str, obj: dict[str, Any]) -> bytes:
    """An event body as Stripe sends one, with a fresh event id."""
    return json.dumps(
        {
            "id": f"evt_dev_{uuid.uuid4().hex[:24]}",
            "object": "event",
            "type": kind,
            "api_version": "2024-06-20",
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }
    ).encode()


def signature(body: bytes, secret: str) -> str:
    """The `Stripe-Signature` header Stripe would send: HMAC-SHA256 over "<t>.<body>"."""
    at = int(time.time())
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"
