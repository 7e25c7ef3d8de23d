"""Payment endpoints, and the receiver of Stripe's signed webhooks."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Annotated, Any

import stripe
from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel, ValidationError

from azora.payment_sealing import SealError
from producers.ingress import queries
from producers.ingress.auth import Ctx, CurrentUser
from producers.ingress.bus import derived_id
from producers.ingress.commands import accepted, publish_fact, submit
from producers.ingress.context import IngressContext
from producers.ingress.problems import PROBLEM_RESPONSES, Problem, documented
from schemas.api import Accepted, Payment, PaymentAccepted, PaymentRequest
from schemas.payments import (
    PaymentRefundRequested,
    PaymentRequested,
    PaymentWebhookReceivedV2,
)
from schemas.stripe_objects import webhook_fields

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["payments"], responses=PROBLEM_RESPONSES)
# Its body limit is its own (AZORA_WEBHOOK_MAX_BODY_BYTES), applied by the app by this path.
WEBHOOK_ROUTE = "/webhooks/stripe"
WEBHOOK_PATH = router.prefix + WEBHOOK_ROUTE

# Stripe retries a webhook with the same event id: the same envelope id, so one effect.
_WEBHOOK_NAMESPACE = uuid.UUID("0b9f7c1e-5d2a-4f8e-a3c6-7e1d4b2a9c58")

PAYMENT = """
SELECT payment_id, status, amount_minor, currency, purpose, client_secret_sealed, reason,
       refunded_minor, updated_at
FROM read.payments WHERE payment_id = $1 AND user_id = $2
"""


@router.post("/payments", status_code=202, response_model=PaymentAccepted)
async def request_payment(
    body: PaymentRequest,
    user: CurrentUser,
    ctx: Ctx,
    response: Response,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> dict[str, Any]:
    """Start a wallet top-up by card; the PaymentIntent's client_secret appears on the payment."""
    if body.purpose == "course_purchase":
        # A payment of its own would take any amount and enrol nobody: a course is bought
        # through the enrolment saga, which prices it and enrols on the payment's success.
        raise Problem(
            422,
            "course_purchase_by_enrollment",
            "Courses are bought by enrolling",
            "buy a course with POST /v1/enrollments and pay_with: card; "
            "POST /v1/payments takes wallet top-ups only",
        )

    async def build(command_id: uuid.UUID) -> PaymentRequested:
        return PaymentRequested(
            payment_id=derived_id(command_id, "payment"),
            user_id=user.user_id,
            amount_minor=body.amount_minor,
            currency=body.currency,
            purpose=body.purpose,
            course_id=body.course_id,
        )

    command_id = await submit(
        ctx,
        route="payments.request",
        actor=str(user.user_id),
        request=body,
        idempotency_key=idempotency_key,
        build=build,
    )
    return accepted(response, command_id, payment_id=derived_id(command_id, "payment"))


@router.get(
    "/payments/{payment_id}", response_model=Payment, responses={404: documented("Not found")}
)
async def payment(payment_id: uuid.UUID, user: CurrentUser, ctx: Ctx) -> Payment:
    """One of the caller's payments (another user's is as unknown as a missing one)."""
    # While it is open, its PaymentIntent's `client_secret`, which the read model holds only
    # sealed for the ingress: opened here, for the paying user alone.
    row = await queries.fetch_one(ctx, PAYMENT, payment_id, user.user_id)
    if row is None:
        raise Problem(404, "not_found", "Payment not found", "no such payment of yours (yet)")
    fields = dict(row)
    sealed = fields.pop("client_secret_sealed")
    return Payment(**fields, client_secret=_opened(ctx, payment_id, sealed))


def _opened(ctx: IngressContext, payment_id: uuid.UUID, sealed: str | None) -> str | None:
    """The client secret `sealed` holds; None when there is none, or it no longer opens (a
    key rotated out: the payer starts a new payment)."""
    if sealed is None:
        return None
    try:
        return ctx.settings.client_secret_seal().open(payment_id, sealed)
    except SealError as exc:
        log.warning("payments: the client secret of %s does not open: %s", payment_id, exc)
        return None


@router.post(
    "/payments/{payment_id}/refund",
    status_code=202,
    response_model=Accepted,
    responses={404: documented("Not found"), 409: documented("Not refundable")},
)
async def request_refund(
    payment_id: uuid.UUID,
    user: CurrentUser,
    ctx: Ctx,
    response: Response,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> dict[str, Any]:
    """Refund one of the caller's succeeded payments (a top-up leaves the wallet first)."""
    row = await queries.fetch_one(ctx, PAYMENT, payment_id, user.user_id)
    if row is None:
        raise Problem(404, "not_found", "Payment not found", "no such payment of yours")
    if row["status"] != "succeeded":
        raise Problem(
            409,
            "not_refundable",
            "Payment cannot be refunded",
            f"only a succeeded payment can be refunded; this one is {row['status']}",
        )

    async def build(_: uuid.UUID) -> PaymentRefundRequested:
        return PaymentRefundRequested(payment_id=payment_id, user_id=user.user_id)

    command_id = await submit(
        ctx,
        route="payments.refund",
        # The same Idempotency-Key on two payments asks for two refunds.
        scope=f"payments.refund.{payment_id}",
        actor=str(user.user_id),
        request=RefundRequest(payment_id=payment_id),
        idempotency_key=idempotency_key,
        build=build,
    )
    return accepted(response, command_id)


class RefundRequest(BaseModel):
    """What a refund request is about (for Idempotency-Key fingerprints)."""

    payment_id: uuid.UUID


# Read raw (the signature covers the exact bytes), so declared here for the document only.
STRIPE_EVENT_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "title": "StripeEvent",
                "description": "A Stripe event, signed in the Stripe-Signature header",
                "type": "object",
                "required": ["id", "type", "data"],
                "properties": {
                    "id": {"type": "string"},
                    "type": {"type": "string"},
                    "data": {
                        "type": "object",
                        "required": ["object"],
                        "properties": {"object": {"type": "object"}},
                    },
                },
            }
        }
    },
}


@router.post(
    WEBHOOK_ROUTE,
    tags=["webhooks"],
    responses={400: documented("Bad signature, stale timestamp or malformed event")},
    openapi_extra={"requestBody": STRIPE_EVENT_BODY},
)
async def stripe_webhook(
    request: Request,
    ctx: Ctx,
    signature: Annotated[str | None, Header(alias="Stripe-Signature")] = None,
) -> dict[str, Any]:
    """Verify Stripe's signature on the raw body, then publish the event (and nothing else)."""
    return await receive_webhook(ctx, await request.body(), signature)


async def receive_webhook(
    ctx: IngressContext, body: bytes, signature: str | None
) -> dict[str, Any]:
    """What the webhook endpoint does with a body and its `Stripe-Signature`: verify, publish."""
    raw = body.decode("utf-8", errors="replace")
    try:
        stripe.WebhookSignature.verify_header(
            raw,
            signature,
            ctx.settings.required_secret("stripe_webhook_secret"),
            ctx.settings.stripe_webhook_tolerance_s,
        )
        event = json.loads(raw)
        obj = event["data"]["object"]
        kind = str(event["type"])
        stripe_event_id = str(event["id"])
        if not isinstance(obj, dict):
            raise TypeError("data.object is not an object")
    except stripe.SignatureVerificationError as exc:
        raise Problem(400, "invalid_signature", "Invalid webhook signature", str(exc)) from exc
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise Problem(400, "invalid_event", "Malformed webhook event", repr(exc)) from exc
    intent_id = obj.get("id") if kind.startswith("payment_intent.") else obj.get("payment_intent")
    if not intent_id:
        return {"received": True, "published": False}  # not about a PaymentIntent
    try:
        # Only the fields payments acts on: Stripe's object may hold the client secret,
        # billing details and card data, which no topic keeps.
        fact = PaymentWebhookReceivedV2(
            stripe_event_id=stripe_event_id,
            stripe_event_type=kind,
            stripe_payment_intent_id=str(intent_id),
            **webhook_fields(obj),
        )
    except ValidationError as exc:
        raise Problem(400, "invalid_event", "Malformed webhook event", _summary(exc)) from exc
    await publish_fact(
        ctx, fact, actor="stripe", event_id=uuid.uuid5(_WEBHOOK_NAMESPACE, stripe_event_id)
    )
    return {"received": True, "published": True}


def _summary(exc: ValidationError) -> str:
    """Which fields were wrong and why, without echoing their values."""
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
    )[:500]
