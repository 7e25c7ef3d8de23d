"""Enrolments over HTTP: top up by card, buy a course from the wallet, make progress."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from azora.settings import Settings
from tests.e2e.helpers import (
    a_course,
    a_top_up,
    a_user,
    an_instructor,
    balance,
    card_intent,
    outcome,
    succeeded,
    until,
    webhook,
)
from tests.support import stripe_webhooks
from tests.support.world import World

pytestmark = pytest.mark.e2e


async def published(
    http: httpx.AsyncClient, world: World, db: asyncpg.Pool, price: int
) -> dict[str, Any]:
    """A course an instructor published, as `GET /v1/courses/{id}` shows it."""
    instructor = await an_instructor(http, world, db)
    accepted = await http.post(
        "/v1/courses",
        headers=instructor,
        json=a_course(f"Course {uuid.uuid4().hex[:6]}", price_minor=price),
    )
    assert (await outcome(http, accepted))["status"] == "succeeded"
    course: dict[str, Any] = (await http.get(f"/v1/courses/{accepted.json()['course_id']}")).json()
    return course


async def enrol(http: httpx.AsyncClient, auth: dict[str, str], course_id: str) -> dict[str, Any]:
    accepted = await http.post("/v1/enrollments", headers=auth, json={"course_id": course_id})
    assert accepted.status_code == 202
    return await outcome(http, accepted)


async def complete(
    http: httpx.AsyncClient, auth: dict[str, str], course_id: str, lesson_id: str
) -> dict[str, Any]:
    accepted = await http.post(
        "/v1/progress", headers=auth, json={"course_id": course_id, "lesson_id": lesson_id}
    )
    assert accepted.status_code == 202
    return await outcome(http, accepted)


async def my_enrollment(http: httpx.AsyncClient, auth: dict[str, str]) -> dict[str, Any]:
    (only,) = (await http.get("/v1/enrollments", headers=auth)).json()["items"]
    return dict(only)


async def test_top_up_by_card_buy_a_course_from_the_wallet_and_make_progress(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool, base_settings: Settings
) -> None:
    course = await published(http, stack_world, db, price=3000)
    _, student = await a_user(http)
    _, intent = await a_top_up(http, student, db, 5000)
    secret = base_settings.required_secret("stripe_webhook_secret")
    assert (await webhook(http, succeeded(intent, 5000), secret)).status_code == 200
    assert await until(lambda: _is(balance(http, student), {"EUR": 5000}))

    assert (await enrol(http, student, course["course_id"]))["status"] == "succeeded"
    # The debit and the confirmation are projected from two topics: wait for both.
    assert await until(lambda: _is(balance(http, student), {"EUR": 2000}))
    enrollment = await until(lambda: _status(http, student, "confirmed"))
    assert enrollment["progress_percent"] == 0
    assert enrollment["total_lessons"] == 3

    lessons = [lesson["lesson_id"] for m in course["modules"] for lesson in m["lessons"]]
    assert (await complete(http, student, course["course_id"], lessons[0]))["status"] == "succeeded"
    assert (await until(lambda: _progress(http, student, 33)))["completed_lessons"] == 1
    for lesson in lessons[1:]:
        await complete(http, student, course["course_id"], lesson)
    assert (await until(lambda: _progress(http, student, 100)))["completed_lessons"] == 3


async def test_a_free_course_confirms_at_once_and_costs_nothing(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool
) -> None:
    course = await published(http, stack_world, db, price=0)
    _, student = await a_user(http)
    assert (await enrol(http, student, course["course_id"]))["status"] == "succeeded"
    assert await balance(http, student) == {}
    again = await enrol(http, student, course["course_id"])
    assert again["status"] == "rejected"
    assert again["reason"] == "already enrolled in this course"


async def test_without_enough_in_the_wallet_the_enrolment_is_rejected(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool
) -> None:
    course = await published(http, stack_world, db, price=3000)
    _, student = await a_user(http)
    settled = await enrol(http, student, course["course_id"])
    assert settled["status"] == "rejected"
    assert settled["reason"] == "insufficient funds"


async def test_progress_needs_an_enrolment_and_a_lesson_of_the_course(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool
) -> None:
    course = await published(http, stack_world, db, price=0)
    _, student = await a_user(http)
    lesson = course["modules"][0]["lessons"][0]["lesson_id"]
    not_enrolled = await complete(http, student, course["course_id"], lesson)
    assert not_enrolled["reason"] == "not enrolled in this course"
    await enrol(http, student, course["course_id"])
    foreign = await complete(http, student, course["course_id"], str(uuid.uuid4()))
    assert foreign["reason"] == "not a lesson of this course"


async def test_an_unknown_course_cannot_be_enrolled_in(http: httpx.AsyncClient) -> None:
    _, student = await a_user(http)
    settled = await enrol(http, student, str(uuid.uuid4()))
    assert settled["reason"] == "unknown course"


async def _status(
    http: httpx.AsyncClient, auth: dict[str, str], status: str
) -> dict[str, Any] | None:
    enrollment = await my_enrollment(http, auth)
    return enrollment if enrollment["status"] == status else None


async def _progress(
    http: httpx.AsyncClient, auth: dict[str, str], percent: int
) -> dict[str, Any] | None:
    enrollment = await my_enrollment(http, auth)
    return enrollment if enrollment["progress_percent"] == percent else None


async def _is(value: Any, expected: Any) -> bool:
    return bool(await value == expected)


async def test_a_course_paid_by_card_enrols_once_stripe_confirms_the_payment(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool, base_settings: Settings
) -> None:
    course = await published(http, stack_world, db, price=3000)
    _, student = await a_user(http)
    accepted = await http.post(
        "/v1/enrollments",
        headers=student,
        json={"course_id": course["course_id"], "pay_with": "card"},
    )
    assert accepted.status_code == 202
    payment_id = accepted.json()["payment_id"]

    stripe_intent = await card_intent(db, payment_id)
    assert stripe_intent
    pending = await http.get(accepted.json()["status_url"])
    assert pending.json()["status"] == "pending", "the intent alone does not enrol"

    secret = base_settings.required_secret("stripe_webhook_secret")
    assert (await webhook(http, succeeded(stripe_intent, 3000), secret)).status_code == 200
    assert (await outcome(http, accepted))["status"] == "succeeded"
    assert (await until(lambda: _status(http, student, "confirmed")))["total_lessons"] == 3
    assert await balance(http, student) == {}, "a card purchase never touches the wallet"


async def test_refunding_a_card_paid_course_refunds_the_payment_and_ends_the_enrolment(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool, base_settings: Settings
) -> None:
    student, accepted, _ = await a_card_enrolment(http, stack_world, db, base_settings, 3000)
    payment_id = accepted.json()["payment_id"]
    assert await until(lambda: _payment_status(http, student, payment_id, "succeeded"))

    refund = await http.post(f"/v1/payments/{payment_id}/refund", headers=student)
    assert refund.status_code == 202
    assert (await outcome(http, refund))["status"] == "succeeded"
    assert await until(lambda: _payment_status(http, student, payment_id, "refunded"))
    revoked = await until(lambda: _status(http, student, "revoked"))
    assert revoked["enrollment_id"] == accepted.json()["enrollment_id"]


async def a_card_enrolment(
    http: httpx.AsyncClient, world: World, db: asyncpg.Pool, settings: Settings, price: int
) -> tuple[dict[str, str], httpx.Response, str]:
    """A student enrolled in a new course paid by card, Stripe having confirmed the payment."""
    course = await published(http, world, db, price=price)
    _, student = await a_user(http)
    accepted = await http.post(
        "/v1/enrollments",
        headers=student,
        json={"course_id": course["course_id"], "pay_with": "card"},
    )
    stripe_intent = await card_intent(db, accepted.json()["payment_id"])
    secret = settings.required_secret("stripe_webhook_secret")
    assert (await webhook(http, succeeded(stripe_intent, price), secret)).status_code == 200
    assert (await outcome(http, accepted))["status"] == "succeeded"
    return student, accepted, stripe_intent


async def _payment_status(
    http: httpx.AsyncClient, auth: dict[str, str], payment_id: str, status: str
) -> bool:
    answer = await http.get(f"/v1/payments/{payment_id}", headers=auth)
    return answer.status_code == 200 and answer.json()["status"] == status


async def test_a_course_refunded_in_stripes_dashboard_ends_the_enrolment_too(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool, base_settings: Settings
) -> None:
    student, accepted, stripe_intent = await a_card_enrolment(
        http, stack_world, db, base_settings, 1500
    )
    payment_id = accepted.json()["payment_id"]
    secret = base_settings.required_secret("stripe_webhook_secret")
    charge = stripe_webhooks.event(
        "charge.refunded",
        {
            "id": f"ch_{uuid.uuid4().hex[:20]}",
            "object": "charge",
            "amount": 1500,
            "amount_refunded": 1500,
            "payment_intent": stripe_intent,
            "refunded": True,
        },
    )
    assert (await webhook(http, charge, secret)).status_code == 200
    assert await until(lambda: _payment_status(http, student, payment_id, "refunded"))
    assert await until(lambda: _status(http, student, "revoked"))


async def a_card_checkout(
    http: httpx.AsyncClient, auth: dict[str, str], db: asyncpg.Pool, course_id: str
) -> tuple[httpx.Response, str]:
    """A card enrolment whose PaymentIntent Stripe holds, nobody having paid it yet."""
    accepted = await http.post(
        "/v1/enrollments", headers=auth, json={"course_id": course_id, "pay_with": "card"}
    )
    assert accepted.status_code == 202
    return accepted, await card_intent(db, accepted.json()["payment_id"])


async def _enrollment(
    http: httpx.AsyncClient, auth: dict[str, str], enrollment_id: str, status: str
) -> dict[str, Any] | None:
    items = (await http.get("/v1/enrollments", headers=auth)).json()["items"]
    found = [e for e in items if e["enrollment_id"] == enrollment_id and e["status"] == status]
    return found[0] if found else None


async def _payment(
    http: httpx.AsyncClient, auth: dict[str, str], payment_id: str, status: str
) -> dict[str, Any] | None:
    answer = await http.get(f"/v1/payments/{payment_id}", headers=auth)
    if answer.status_code == 200 and answer.json()["status"] == status:
        body: dict[str, Any] = answer.json()
        return body
    return None


async def test_a_new_enrolment_supersedes_an_abandoned_card_checkout_and_cancels_its_intent(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool, base_settings: Settings
) -> None:
    course = await published(http, stack_world, db, price=2500)
    _, student = await a_user(http)
    abandoned, _ = await a_card_checkout(http, student, db, course["course_id"])

    again, intent = await a_card_checkout(http, student, db, course["course_id"])
    old = await outcome(http, abandoned)
    assert old["status"] == "rejected"
    assert old["reason"] == "superseded by a new enrolment in this course"
    canceled = await until(
        lambda: _payment(http, student, abandoned.json()["payment_id"], "failed")
    )
    assert canceled["reason"].startswith("payment canceled")

    secret = base_settings.required_secret("stripe_webhook_secret")
    assert (await webhook(http, succeeded(intent, 2500), secret)).status_code == 200
    assert (await outcome(http, again))["status"] == "succeeded"
    assert await until(
        lambda: _enrollment(http, student, again.json()["enrollment_id"], "confirmed")
    )


async def test_a_superseded_checkout_that_stripe_reports_paid_after_all_is_refunded(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool, base_settings: Settings
) -> None:
    """The race a cancel can lose: the customer paid the old checkout as it was superseded."""
    course = await published(http, stack_world, db, price=1800)
    _, student = await a_user(http)
    abandoned, old_intent = await a_card_checkout(http, student, db, course["course_id"])
    again = await http.post(
        "/v1/enrollments", headers=student, json={"course_id": course["course_id"]}
    )
    assert (await outcome(http, abandoned))["status"] == "rejected"

    secret = base_settings.required_secret("stripe_webhook_secret")
    assert (await webhook(http, succeeded(old_intent, 1800), secret)).status_code == 200
    refunded = await until(
        lambda: _payment(http, student, abandoned.json()["payment_id"], "refunded")
    )
    assert refunded["refunded_minor"] == 1800
    assert (await outcome(http, again))["reason"] == "insufficient funds"
    items = (await http.get("/v1/enrollments", headers=student)).json()["items"]
    assert not [e for e in items if e["status"] == "confirmed"]


async def test_a_refunded_course_can_be_bought_again(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool, base_settings: Settings
) -> None:
    student, first, _ = await a_card_enrolment(http, stack_world, db, base_settings, 2000)
    payment_id = first.json()["payment_id"]
    assert await until(lambda: _payment_status(http, student, payment_id, "succeeded"))
    refund = await http.post(f"/v1/payments/{payment_id}/refund", headers=student)
    assert (await outcome(http, refund))["status"] == "succeeded"
    assert await until(lambda: _enrollment(http, student, first.json()["enrollment_id"], "revoked"))
    course_id = await db.fetchval(
        "SELECT course_id FROM read.enrollments WHERE enrollment_id = $1",
        uuid.UUID(first.json()["enrollment_id"]),
    )

    again, intent = await a_card_checkout(http, student, db, str(course_id))
    secret = base_settings.required_secret("stripe_webhook_secret")
    assert (await webhook(http, succeeded(intent, 2000), secret)).status_code == 200
    assert (await outcome(http, again))["status"] == "succeeded"
    assert await until(
        lambda: _enrollment(http, student, again.json()["enrollment_id"], "confirmed")
    )


async def test_a_partial_refund_in_stripe_is_recorded_and_the_enrolment_stays_active(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool, base_settings: Settings
) -> None:
    student, accepted, stripe_intent = await a_card_enrolment(
        http, stack_world, db, base_settings, 3000
    )
    payment_id = accepted.json()["payment_id"]
    enrollment_id = accepted.json()["enrollment_id"]
    secret = base_settings.required_secret("stripe_webhook_secret")

    def charge_refunded(refunded_minor: int) -> bytes:
        return stripe_webhooks.event(
            "charge.refunded",
            {
                "id": f"ch_{uuid.uuid4().hex[:20]}",
                "object": "charge",
                "amount": 3000,
                "amount_refunded": refunded_minor,
                "payment_intent": stripe_intent,
                "refunded": refunded_minor == 3000,
            },
        )

    assert (await webhook(http, charge_refunded(1000), secret)).status_code == 200
    partial = await until(lambda: _payment(http, student, payment_id, "partially_refunded"))
    assert partial["refunded_minor"] == 1000
    assert await until(lambda: _enrollment(http, student, enrollment_id, "confirmed"))
    private = await db.fetchval(
        "SELECT status FROM learning.enrollments WHERE enrollment_id = $1",
        uuid.UUID(enrollment_id),
    )
    assert private == "confirmed", "a partial refund leaves the enrolment active"

    assert (await webhook(http, charge_refunded(3000), secret)).status_code == 200
    assert (await until(lambda: _payment(http, student, payment_id, "refunded")))[
        "refunded_minor"
    ] == 3000
    assert await until(lambda: _enrollment(http, student, enrollment_id, "revoked"))
