"""Stripe's refusals that stripe-mock cannot produce, injected at the payments gateway's seam.

stripe-mock answers every well-formed call with a fixture, so it never says a charge is
refunded already, nor that an intent can no longer be canceled. Here the real SDK client
(against stripe-mock) is wrapped so that exactly those calls raise the error Stripe raises;
everything else, the services, Kafka and Postgres, is real.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, cast

import asyncpg
import pytest
import stripe

from consumers.payments.gateway import StripeGateway, make_client
from consumers.payments.service import make_payments
from consumers.wallet.service import WALLET
from schemas import catalogue
from schemas.payments import (
    PaymentCancelRequested,
    PaymentRefundRequested,
    PaymentRequested,
    PaymentWebhookReceived,
    PaymentWebhookReceivedV2,
)
from tests.support.payments import cancellation_remembered
from tests.support.world import World, eventually, running

pytestmark = pytest.mark.integration


class _Refunds:
    """Stripe's refunds, where creating one says the charge is refunded in full already."""

    def __init__(self, real: Any) -> None:
        self._real = real

    async def create_async(self, *_: Any, **__: Any) -> Any:
        raise stripe.InvalidRequestError(
            "Charge ch_1 has already been refunded.",
            None,
            code="charge_already_refunded",
            http_status=400,
        )

    async def list_async(self, *args: Any, **kwargs: Any) -> Any:
        return await self._real.list_async(*args, **kwargs)


class _PaymentIntents:
    """Stripe's PaymentIntents, where canceling one says it is paid already."""

    def __init__(self, real: Any) -> None:
        self._real = real

    async def create_async(self, *args: Any, **kwargs: Any) -> Any:
        return await self._real.create_async(*args, **kwargs)

    async def cancel_async(self, *_: Any, **__: Any) -> Any:
        raise stripe.InvalidRequestError(
            "You cannot cancel this PaymentIntent because it has a status of succeeded.",
            None,
            code="payment_intent_unexpected_state",
            http_status=400,
        )


class _V1:
    def __init__(self, real: Any) -> None:
        self.refunds = _Refunds(real.refunds)
        self.payment_intents = _PaymentIntents(real.payment_intents)


class RefusingStripe:
    """The SDK client on stripe-mock, refusing refunds and cancels as Stripe would."""

    def __init__(self, real: stripe.StripeClient) -> None:
        self.v1 = _V1(real.v1)


@pytest.fixture
def refusing_gateway(stripe_mock: str) -> StripeGateway:
    real = make_client("sk_test_azoraStripeMock", stripe_mock, 10.0)
    assert real is not None
    return StripeGateway(cast(stripe.StripeClient, RefusingStripe(real)))


async def _intent(db: asyncpg.Pool, payment_id: uuid.UUID) -> str:
    found: list[str] = []

    async def held() -> bool:
        intent = await db.fetchval(
            "SELECT stripe_payment_intent_id FROM payments.payments WHERE payment_id = $1",
            payment_id,
        )
        if intent:
            found.append(intent)
        return bool(intent)

    await eventually(held)
    return found[0]


async def _paid(world: World, db: asyncpg.Pool, request: PaymentRequested) -> None:
    """Stripe holds an intent for `request`, and reports it paid."""
    await world.publish([request])
    intent = await _intent(db, request.payment_id)
    await world.publish(
        [
            PaymentWebhookReceivedV2(
                stripe_event_id=f"evt_{uuid.uuid4().hex[:24]}",
                stripe_event_type="payment_intent.succeeded",
                stripe_payment_intent_id=intent,
                stripe_object_id=intent,
                status="succeeded",
            )
        ],
        actor="stripe",
    )

    async def succeeded() -> bool:
        status = await db.fetchval(
            "SELECT status FROM payments.payments WHERE payment_id = $1", request.payment_id
        )
        return bool(status == "succeeded")

    await eventually(succeeded)


async def _payloads(world: World, spec: catalogue.TopicSpec) -> list[dict[str, Any]]:
    records = await world.read_all(world.names.physical(spec))
    return [json.loads(r.value)["payload"] for r in records]


async def test_a_refund_stripe_says_was_made_already_is_refunded_and_not_credited_back(
    world: World, db: asyncpg.Pool, refusing_gateway: StripeGateway
) -> None:
    user = uuid.uuid4()
    top_up = PaymentRequested(
        payment_id=uuid.uuid4(),
        user_id=user,
        amount_minor=3000,
        currency="EUR",
        purpose="wallet_top_up",
    )
    course = PaymentRequested(
        payment_id=uuid.uuid4(),
        user_id=user,
        amount_minor=1200,
        currency="EUR",
        purpose="course_purchase",
        course_id=uuid.uuid4(),
    )

    async def balance() -> int | None:
        minor: int | None = await db.fetchval(
            "SELECT balance_minor FROM wallet.balances WHERE user_id = $1 AND currency = 'EUR'",
            user,
        )
        return minor

    async with running(
        world, make_payments(refusing_gateway, world.settings.client_secret_seal()), WALLET
    ):
        await _paid(world, db, top_up)
        await _paid(world, db, course)
        await eventually(lambda: _equals(balance(), 3000))
        await world.publish(
            [
                PaymentRefundRequested(payment_id=top_up.payment_id, user_id=user),
                PaymentRefundRequested(payment_id=course.payment_id, user_id=user),
            ]
        )
        refunded = await world.wait_for_records(world.names.physical(catalogue.PAYMENT_REFUNDED), 2)
        await eventually(lambda: _equals(balance(), 0))

    assert {json.loads(r.value)["payload"]["payment_id"] for r in refunded} == {
        str(top_up.payment_id),
        str(course.payment_id),
    }
    assert await _payloads(world, catalogue.PAYMENT_REFUND_REJECTED) == []
    statuses = await db.fetch(
        "SELECT status, refunded_minor FROM payments.payments WHERE payment_id = ANY($1)",
        [top_up.payment_id, course.payment_id],
    )
    assert {(r["status"], r["refunded_minor"]) for r in statuses} == {
        ("refunded", 3000),
        ("refunded", 1200),
    }
    ledger = await db.fetch(
        "SELECT reason, amount_minor FROM wallet.ledger WHERE user_id = $1 ORDER BY created_at",
        user,
    )
    assert [(r["reason"], r["amount_minor"]) for r in ledger] == [
        ("top_up", 3000),
        ("refund", -3000),
    ]
    assert sum(r["amount_minor"] for r in ledger) == await balance()


async def test_a_checkout_stripe_will_not_cancel_stays_open_for_its_webhook(
    world: World, db: asyncpg.Pool, refusing_gateway: StripeGateway
) -> None:
    request = PaymentRequested(
        payment_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        amount_minor=900,
        currency="EUR",
        purpose="course_purchase",
        course_id=uuid.uuid4(),
    )
    cancel = PaymentCancelRequested(
        payment_id=request.payment_id, user_id=request.user_id, reason="checkout abandoned"
    )

    async with running(world, make_payments(refusing_gateway, world.settings.client_secret_seal())):
        await world.publish([request])
        intent = await _intent(db, request.payment_id)
        await world.publish([cancel])

        await eventually(lambda: cancellation_remembered(db, request.payment_id))
        # Version 1 of the webhook topic, as an older ingress wrote it: still read.
        await world.publish(
            [
                PaymentWebhookReceived(
                    stripe_event_id=f"evt_{uuid.uuid4().hex[:24]}",
                    stripe_event_type="payment_intent.succeeded",
                    stripe_payment_intent_id=intent,
                    data={"id": intent, "object": "payment_intent", "status": "succeeded"},
                )
            ],
            actor="stripe",
        )
        (paid,) = await world.wait_for_records(world.names.physical(catalogue.PAYMENT_SUCCEEDED), 1)

    assert json.loads(paid.value)["payload"]["payment_id"] == str(request.payment_id)
    assert await _payloads(world, catalogue.PAYMENT_FAILED) == []


async def _equals(value: Any, expected: Any) -> bool:
    return bool(await value == expected)
