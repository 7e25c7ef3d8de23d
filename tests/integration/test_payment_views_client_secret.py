"""The payments read model on the real broker and Postgres: a client secret rests only as
version 2 carries it, sealed; it is dropped once the payment settles; a version 1 event
still moves the payment but its clear secret is never stored."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from azora.payment_sealing import ClientSecretSeal
from consumers.projections.payments import PAYMENT_VIEWS
from schemas.envelope import utcnow
from schemas.payments import PaymentIntentCreated, PaymentIntentCreatedV2, PaymentSucceeded
from tests.support.secrets import random_sealing_key
from tests.support.world import World, eventually, running

pytestmark = pytest.mark.integration

SEAL = ClientSecretSeal(random_sealing_key())


def an_intent(payment_id: uuid.UUID, user_id: uuid.UUID) -> PaymentIntentCreatedV2:
    return PaymentIntentCreatedV2(
        payment_id=payment_id,
        user_id=user_id,
        stripe_payment_intent_id=f"pi_{payment_id.hex[:20]}",
        client_secret_sealed=SEAL.seal(payment_id, f"pi_{payment_id.hex[:20]}_secret_v2"),
        amount_minor=1200,
        currency="EUR",
        purpose="wallet_top_up",
    )


def a_success(payment_id: uuid.UUID, user_id: uuid.UUID) -> PaymentSucceeded:
    return PaymentSucceeded(
        payment_id=payment_id,
        user_id=user_id,
        amount_minor=1200,
        currency="EUR",
        purpose="wallet_top_up",
        succeeded_at=utcnow(),
    )


async def row(db: asyncpg.Pool, payment_id: uuid.UUID) -> asyncpg.Record | None:
    found: asyncpg.Record | None = await db.fetchrow(
        "SELECT status, client_secret_sealed, stripe_payment_intent_id FROM read.payments "
        "WHERE payment_id = $1",
        payment_id,
    )
    return found


async def test_a_sealed_secret_is_kept_while_open_and_dropped_once_the_payment_succeeds(
    world: World, db: asyncpg.Pool
) -> None:
    payment_id, user_id = uuid.uuid4(), uuid.uuid4()
    intent = an_intent(payment_id, user_id)

    async with running(world, PAYMENT_VIEWS, relay=False):
        await world.publish([intent], actor="payments")

        async def open_with_its_secret() -> bool:
            found = await row(db, payment_id)
            return found is not None and found["client_secret_sealed"] is not None

        await eventually(open_with_its_secret)
        stored = await row(db, payment_id)
        await world.publish([a_success(payment_id, user_id)], actor="payments")

        async def settled() -> bool:
            found = await row(db, payment_id)
            return found is not None and found["status"] == "succeeded"

        await eventually(settled)

    assert stored is not None
    assert stored["client_secret_sealed"] == intent.client_secret_sealed
    assert SEAL.open(payment_id, stored["client_secret_sealed"]).endswith("_secret_v2")
    after = await row(db, payment_id)
    assert after is not None
    assert after["client_secret_sealed"] is None
    assert after["stripe_payment_intent_id"] == intent.stripe_payment_intent_id


async def test_a_version_1_intent_moves_the_payment_but_its_clear_secret_is_not_stored(
    world: World, db: asyncpg.Pool
) -> None:
    payment_id, user_id = uuid.uuid4(), uuid.uuid4()
    old = PaymentIntentCreated(
        payment_id=payment_id,
        user_id=user_id,
        stripe_payment_intent_id="pi_fromAnOlderRelease",
        client_secret="pi_fromAnOlderRelease_secret_inClear",
        amount_minor=900,
        currency="EUR",
        purpose="wallet_top_up",
    )

    async with running(world, PAYMENT_VIEWS, relay=False):
        await world.publish([old], actor="payments")

        async def recorded() -> bool:
            found = await row(db, payment_id)
            return found is not None and found["status"] == "requires_payment_method"

        await eventually(recorded)

    stored = await row(db, payment_id)
    assert stored is not None
    assert stored["stripe_payment_intent_id"] == "pi_fromAnOlderRelease"
    assert stored["client_secret_sealed"] is None
    everything = await db.fetchrow("SELECT * FROM read.payments WHERE payment_id = $1", payment_id)
    assert "pi_fromAnOlderRelease_secret_inClear" not in str(dict(everything))
