"""Card payments over HTTP: Stripe (stripe-mock) holds the intent, signed webhooks settle it."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from azora.settings import Settings
from schemas import catalogue
from tests.e2e.helpers import (
    a_top_up,
    a_user,
    balance,
    known_to_the_wallet,
    succeeded,
    until,
    webhook,
)
from tests.support import stripe_webhooks
from tests.support.world import World

pytestmark = pytest.mark.e2e


async def test_a_top_up_holds_a_payment_intent_with_a_client_secret(
    http: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    _, auth = await a_user(http)
    payment_id, intent = await a_top_up(http, auth, db, 5000)
    payment = await until(lambda: _payment(http, auth, payment_id, "requires_payment_method"))
    assert payment["client_secret"]
    assert payment["amount_minor"] == 5000
    assert intent.startswith("pi_")


async def test_the_same_webhook_delivered_five_times_credits_once(
    http: httpx.AsyncClient, db: asyncpg.Pool, wallet_db: asyncpg.Pool, base_settings: Settings
) -> None:
    user, auth = await a_user(http)
    payment_id, intent = await a_top_up(http, auth, db, 5000)
    body = succeeded(intent, 5000)
    secret = base_settings.required_secret("stripe_webhook_secret")

    for _ in range(5):
        answer = await webhook(http, body, secret)
        assert answer.status_code == 200
        assert answer.json()["published"] is True

    assert await until(lambda: _is(balance(http, auth), {"EUR": 5000}))
    assert await until(lambda: _payment(http, auth, payment_id, "succeeded"))
    # Another event id for the same outcome changes nothing either.
    assert (await webhook(http, succeeded(intent, 5000), secret)).status_code == 200
    credits = await until(lambda: _credits(wallet_db, user), timeout=3)
    assert credits == 1
    assert await balance(http, auth) == {"EUR": 5000}


async def test_a_wrong_signature_or_a_stale_timestamp_is_400_and_publishes_nothing(
    http: httpx.AsyncClient, db: asyncpg.Pool, base_settings: Settings, stack_world: World
) -> None:
    _, auth = await a_user(http)
    _, intent = await a_top_up(http, auth, db, 1000)
    secret = base_settings.required_secret("stripe_webhook_secret")
    forged_id, stale_id = f"evt_forged_{uuid.uuid4().hex}", f"evt_stale_{uuid.uuid4().hex}"

    forged = await webhook(http, succeeded(intent, 1000, forged_id), "whsec_not_the_secret")
    stale = await webhook(
        http, succeeded(intent, 1000, stale_id), secret, timestamp=int(time.time()) - 301
    )
    missing = await http.post("/v1/webhooks/stripe", content=succeeded(intent, 1000))

    for answer in (forged, stale, missing):
        assert answer.status_code == 400
        assert answer.json()["type"] == "/problems/invalid_signature"
    # A good one after them is published: the topic read is the one webhooks go to.
    good_id = f"evt_good_{uuid.uuid4().hex}"
    assert (await webhook(http, succeeded(intent, 1000, good_id), secret)).status_code == 200
    topic = stack_world.names.physical(catalogue.PAYMENT_WEBHOOK_RECEIVED_V2)

    async def published_ids() -> set[str]:
        published = await stack_world.read_all(topic)
        return {json.loads(r.value)["payload"]["stripe_event_id"] for r in published}

    ids = await until(lambda: _holding(published_ids(), good_id), timeout=30)
    assert ids, f"{good_id} never reached {topic}"
    assert forged_id not in ids
    assert stale_id not in ids


async def _holding(ids: Any, wanted: str) -> set[str] | None:
    found: set[str] = await ids
    return found if wanted in found else None


async def test_a_webhook_event_carries_the_fields_payments_needs_never_stripes_object(
    http: httpx.AsyncClient, db: asyncpg.Pool, base_settings: Settings, stack_world: World
) -> None:
    _, auth = await a_user(http)
    _, intent = await a_top_up(http, auth, db, 1500)
    event_id = f"evt_fields_{uuid.uuid4().hex}"
    body = stripe_webhooks.event(
        "payment_intent.payment_failed",
        {
            "id": intent,
            "object": "payment_intent",
            "amount": 1500,
            "currency": "eur",
            "status": "requires_payment_method",
            "client_secret": f"{intent}_secret_fromStripesObject",
            "last_payment_error": {
                "code": "card_declined",
                "message": "Your card was declined.",
                "payment_method": {"billing_details": {"email": "payer@example.org"}},
            },
        },
        event_id,
    )
    secret = base_settings.required_secret("stripe_webhook_secret")
    assert (await webhook(http, body, secret)).status_code == 200
    topic = stack_world.names.physical(catalogue.PAYMENT_WEBHOOK_RECEIVED_V2)

    async def the_record() -> dict[str, Any] | None:
        for record in await stack_world.read_all(topic):
            payload: dict[str, Any] = json.loads(record.value)["payload"]
            if payload["stripe_event_id"] == event_id:
                return payload
        return None

    payload = await until(the_record, timeout=30)
    assert payload is not None
    assert payload["stripe_payment_intent_id"] == intent
    assert (payload["status"], payload["amount_minor"], payload["currency"]) == (
        "requires_payment_method",
        1500,
        "EUR",
    )
    assert (payload["failure_code"], payload["failure_message"]) == (
        "card_declined",
        "Your card was declined.",
    )
    assert "data" not in payload
    assert "_secret_" not in json.dumps(payload)
    assert "payer@example.org" not in json.dumps(payload)


async def test_the_client_secret_rests_sealed_and_is_gone_once_the_payment_settles(
    http: httpx.AsyncClient, db: asyncpg.Pool, base_settings: Settings
) -> None:
    _, auth = await a_user(http)
    payment_id, intent = await a_top_up(http, auth, db, 2000)
    payment = await until(lambda: _payment(http, auth, payment_id, "requires_payment_method"))
    shown = payment["client_secret"]
    stored = await db.fetchval(
        "SELECT client_secret_sealed FROM read.payments WHERE payment_id = $1",
        uuid.UUID(payment_id),
    )
    assert shown
    assert stored
    assert shown not in stored

    secret = base_settings.required_secret("stripe_webhook_secret")
    assert (await webhook(http, succeeded(intent, 2000), secret)).status_code == 200
    settled = await until(lambda: _payment(http, auth, payment_id, "succeeded"), timeout=30)

    assert settled["client_secret"] is None
    assert not await db.fetchval(
        "SELECT client_secret_sealed FROM read.payments WHERE payment_id = $1",
        uuid.UUID(payment_id),
    )


async def test_a_course_purchase_needs_its_course(http: httpx.AsyncClient) -> None:
    _, auth = await a_user(http)
    answer = await http.post(
        "/v1/payments",
        headers=auth,
        json={"amount_minor": 3000, "currency": "EUR", "purpose": "course_purchase"},
    )
    assert answer.status_code == 422


async def test_nobody_reads_another_users_payment(
    http: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    _, owner = await a_user(http)
    _, stranger = await a_user(http)
    payment_id, _ = await a_top_up(http, owner, db, 700)
    assert (await http.get(f"/v1/payments/{payment_id}", headers=stranger)).status_code == 404


async def _payment(
    http: httpx.AsyncClient, auth: dict[str, str], payment_id: str, status: str
) -> dict[str, Any] | None:
    answer = await http.get(f"/v1/payments/{payment_id}", headers=auth)
    if answer.status_code == 200 and answer.json()["status"] == status:
        body: dict[str, Any] = answer.json()
        return body
    return None


async def _credits(db: asyncpg.Pool, user: uuid.UUID) -> int:
    count: int = await db.fetchval(
        "SELECT count(*) FROM wallet.ledger WHERE user_id = $1 AND reason = 'top_up'", user
    )
    return count


async def _is(value: Any, expected: Any) -> bool:
    return bool(await value == expected)


async def a_paid_top_up(
    http: httpx.AsyncClient, auth: dict[str, str], db: asyncpg.Pool, amount: int, secret: str
) -> str:
    """A top-up that Stripe confirmed (by webhook) and the wallet credited."""
    before = (await balance(http, auth)).get("EUR", 0)
    payment_id, intent = await a_top_up(http, auth, db, amount)
    assert (await webhook(http, succeeded(intent, amount), secret)).status_code == 200
    assert await until(lambda: _is(balance(http, auth), {"EUR": before + amount}))
    assert await until(lambda: _payment(http, auth, payment_id, "succeeded"))
    return payment_id


async def test_a_refunded_top_up_leaves_the_wallet_and_the_payment_says_refunded(
    http: httpx.AsyncClient, db: asyncpg.Pool, base_settings: Settings
) -> None:
    _, auth = await a_user(http)
    secret = base_settings.required_secret("stripe_webhook_secret")
    payment_id = await a_paid_top_up(http, auth, db, 5000, secret)

    accepted = await http.post(f"/v1/payments/{payment_id}/refund", headers=auth)
    assert accepted.status_code == 202
    settled = await http.get(accepted.json()["status_url"], params={"wait": 10})
    assert settled.json()["status"] == "succeeded", settled.json()
    assert await until(lambda: _is(balance(http, auth), {"EUR": 0}))
    assert await until(lambda: _payment(http, auth, payment_id, "refunded"))
    again = await http.post(f"/v1/payments/{payment_id}/refund", headers=auth)
    assert again.status_code == 409


async def test_a_spent_top_up_cannot_be_refunded_and_nothing_moves(
    http: httpx.AsyncClient, db: asyncpg.Pool, wallet_db: asyncpg.Pool, base_settings: Settings
) -> None:
    _, auth = await a_user(http)
    payee, _ = await a_user(http)
    assert await known_to_the_wallet(wallet_db, payee)
    secret = base_settings.required_secret("stripe_webhook_secret")
    payment_id = await a_paid_top_up(http, auth, db, 5000, secret)
    spent = await http.post(
        "/v1/wallet/transfers",
        headers=auth,
        json={"to_user_id": str(payee), "amount_minor": 3000, "currency": "EUR"},
    )
    assert (await http.get(spent.json()["status_url"], params={"wait": 10})).json()[
        "status"
    ] == "succeeded"

    accepted = await http.post(f"/v1/payments/{payment_id}/refund", headers=auth)
    settled = (await http.get(accepted.json()["status_url"], params={"wait": 10})).json()
    assert settled["status"] == "rejected"
    assert settled["reason"].startswith("insufficient funds")
    assert await balance(http, auth) == {"EUR": 2000}
    assert await until(lambda: _payment(http, auth, payment_id, "succeeded"))


async def test_only_a_succeeded_payment_of_ones_own_can_be_refunded(
    http: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    _, owner = await a_user(http)
    _, stranger = await a_user(http)
    payment_id, _ = await a_top_up(http, owner, db, 900)
    await until(lambda: _payment(http, owner, payment_id, "requires_payment_method"))
    assert (await http.post(f"/v1/payments/{payment_id}/refund", headers=owner)).status_code == 409
    assert (
        await http.post(f"/v1/payments/{payment_id}/refund", headers=stranger)
    ).status_code == 404


def declined(intent: str, message: str = "Your card was declined.") -> bytes:
    """Stripe's event for a declined attempt: the intent waits for another payment method."""
    return stripe_webhooks.event(
        "payment_intent.payment_failed",
        {
            "id": intent,
            "object": "payment_intent",
            "status": "requires_payment_method",
            "last_payment_error": {"code": "card_declined", "message": message},
        },
    )


async def test_a_payment_declined_once_then_paid_with_another_card_credits_the_wallet_once(
    http: httpx.AsyncClient, db: asyncpg.Pool, wallet_db: asyncpg.Pool, base_settings: Settings
) -> None:
    user, auth = await a_user(http)
    payment_id, intent = await a_top_up(http, auth, db, 4200)
    secret = base_settings.required_secret("stripe_webhook_secret")

    assert (
        await webhook(http, declined(intent, "Your card has insufficient funds."), secret)
    ).status_code == 200
    retry = await until(lambda: _payment_with_reason(http, auth, payment_id))
    assert retry["status"] == "requires_payment_method"
    assert retry["reason"] == "Your card has insufficient funds."

    assert (await webhook(http, succeeded(intent, 4200), secret)).status_code == 200
    assert await until(lambda: _payment(http, auth, payment_id, "succeeded"))
    assert await until(lambda: _is(balance(http, auth), {"EUR": 4200}))
    assert await _credits(wallet_db, user) == 1
    assert await _ledger_sums_to_the_balance(wallet_db, user)


async def test_only_a_canceled_intent_fails_a_payment_for_good(
    http: httpx.AsyncClient, db: asyncpg.Pool, base_settings: Settings
) -> None:
    _, auth = await a_user(http)
    payment_id, intent = await a_top_up(http, auth, db, 1300)
    secret = base_settings.required_secret("stripe_webhook_secret")
    canceled = stripe_webhooks.event(
        "payment_intent.canceled",
        {"id": intent, "object": "payment_intent", "status": "canceled"},
    )
    assert (await webhook(http, declined(intent), secret)).status_code == 200
    assert (await webhook(http, canceled, secret)).status_code == 200
    assert (await until(lambda: _payment(http, auth, payment_id, "failed")))["reason"]
    assert await balance(http, auth) == {}


async def test_a_direct_course_purchase_is_refused_with_a_pointer_to_enrolment(
    http: httpx.AsyncClient,
) -> None:
    _, auth = await a_user(http)
    answer = await http.post(
        "/v1/payments",
        headers=auth,
        json={
            "amount_minor": 1,
            "currency": "EUR",
            "purpose": "course_purchase",
            "course_id": str(uuid.uuid4()),
        },
    )
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["type"] == "/problems/course_purchase_by_enrollment"
    assert "POST /v1/enrollments" in problem["detail"]
    assert "pay_with: card" in problem["detail"]


async def _payment_with_reason(
    http: httpx.AsyncClient, auth: dict[str, str], payment_id: str
) -> dict[str, Any] | None:
    answer = await http.get(f"/v1/payments/{payment_id}", headers=auth)
    if answer.status_code == 200 and answer.json()["reason"]:
        body: dict[str, Any] = answer.json()
        return body
    return None


async def _ledger_sums_to_the_balance(db: asyncpg.Pool, user: uuid.UUID) -> bool:
    """The wallet's private balances are the sums of its ledger, in every currency."""
    rows = await db.fetch(
        """
        SELECT b.currency, b.balance_minor,
               (SELECT coalesce(sum(amount_minor), 0) FROM wallet.ledger l
                WHERE l.user_id = b.user_id AND l.currency = b.currency) AS total
        FROM wallet.balances b WHERE b.user_id = $1
        """,
        user,
    )
    return all(row["balance_minor"] == row["total"] for row in rows)
