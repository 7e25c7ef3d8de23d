"""Cancelling an abandoned checkout, whichever of its two commands the payments service sees first.

The enrolment saga publishes the card payment's request and, when a new enrolment
supersedes it, the request to cancel it: two topics, in no set order. Either way the
checkout ends failed and no PaymentIntent is left open for anyone to pay.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
import pytest

from consumers.payments.gateway import StripeGateway, make_client
from consumers.payments.service import make_payments
from schemas import catalogue
from schemas.payments import PaymentCancelRequested, PaymentRequested
from tests.support.payments import cancellation_remembered
from tests.support.world import World, eventually, running

pytestmark = pytest.mark.integration


def a_checkout() -> tuple[PaymentRequested, PaymentCancelRequested]:
    request = PaymentRequested(
        payment_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        amount_minor=1500,
        currency="EUR",
        purpose="course_purchase",
        course_id=uuid.uuid4(),
    )
    cancel = PaymentCancelRequested(
        payment_id=request.payment_id, user_id=request.user_id, reason="checkout abandoned"
    )
    return request, cancel


@pytest.fixture
def gateway(stripe_mock: str) -> StripeGateway:
    return StripeGateway(make_client("sk_test_azoraStripeMock", stripe_mock, 10.0))


async def _failed(world: World, payment_id: uuid.UUID) -> list[dict[str, Any]]:
    records = await world.read_all(world.names.physical(catalogue.PAYMENT_FAILED))
    payloads = [json.loads(r.value)["payload"] for r in records]
    return [p for p in payloads if p["payment_id"] == str(payment_id)]


async def test_a_checkout_canceled_before_its_request_arrives_never_gets_an_intent(
    world: World, db: asyncpg.Pool, gateway: StripeGateway
) -> None:
    request, cancel = a_checkout()
    async with running(world, make_payments(gateway, world.settings.client_secret_seal())):
        await world.publish([cancel])

        await eventually(lambda: cancellation_remembered(db, request.payment_id))
        await world.publish([request])
        await eventually(lambda: _failed(world, request.payment_id))

    (failed,) = await _failed(world, request.payment_id)
    assert failed["reason"] == "payment canceled: checkout abandoned"
    assert await world.read_all(world.names.physical(catalogue.PAYMENT_INTENT_CREATED_V2)) == []
    assert not await db.fetchval(
        "SELECT count(*) FROM payments.payments WHERE payment_id = $1", request.payment_id
    )


async def test_a_checkout_canceled_after_its_intent_exists_is_canceled_in_stripe(
    world: World, db: asyncpg.Pool, gateway: StripeGateway
) -> None:
    request, cancel = a_checkout()
    async with running(world, make_payments(gateway, world.settings.client_secret_seal())):
        await world.publish([request])
        await world.wait_for_records(world.names.physical(catalogue.PAYMENT_INTENT_CREATED_V2), 1)
        await world.publish([cancel])
        await eventually(lambda: _failed(world, request.payment_id))

    (failed,) = await _failed(world, request.payment_id)
    assert failed["reason"] == "payment canceled: checkout abandoned"
    status = await db.fetchval(
        "SELECT status FROM payments.payments WHERE payment_id = $1", request.payment_id
    )
    assert status == "failed"
