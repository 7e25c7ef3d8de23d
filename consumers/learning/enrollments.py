"""Enrolments: free ones confirm at once; paid ones run a saga through the wallet.

enrollment.requested → (paid, wallet) wallet.debit_requested → wallet.debited →
enrollment.confirmed, or wallet.debit_rejected → enrollment.rejected. Every event of
the saga keeps the enrolment command's correlation id, so its status settles at the end.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from schemas import catalogue as topics
from schemas.learning import (
    EnrollmentConfirmed,
    EnrollmentProgressed,
    EnrollmentRejected,
    EnrollmentRequested,
    EnrollmentRevoked,
    LessonCompletionRejected,
    enrollment_payment_id,
)
from schemas.payments import PaymentRequested
from schemas.wallet import WalletDebitRequested

UNKNOWN_COURSE = "unknown course"
ALREADY_ENROLLED = "already enrolled in this course"
NOT_ENROLLED = "not enrolled in this course"
NOT_A_LESSON = "not a lesson of this course"

COURSES = """
SELECT course_id, price_minor, currency, lesson_ids FROM learning.courses
WHERE course_id = ANY($1::uuid[])
"""
LIVE = """
SELECT user_id, course_id FROM learning.enrollments
WHERE status <> 'rejected' AND (user_id, course_id) IN
      (SELECT * FROM unnest($1::uuid[], $2::uuid[]))
"""
OPEN = """
INSERT INTO learning.enrollments
    (enrollment_id, user_id, course_id, status, total_lessons, payment_id, command_id)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::int[], $6::uuid[],
                     $7::uuid[])
ON CONFLICT DO NOTHING
"""
SETTLE = """
UPDATE learning.enrollments e SET status = t.status, updated_at = now()
FROM unnest($1::uuid[], $2::text[]) AS t(enrollment_id, status)
WHERE e.enrollment_id = t.enrollment_id AND e.status = 'awaiting_payment'
RETURNING e.enrollment_id, e.user_id, e.course_id, e.total_lessons, e.command_id
"""
BY_PAYMENT = """
SELECT enrollment_id, payment_id FROM learning.enrollments WHERE payment_id = ANY($1::uuid[])
"""
ENROLLED = """
SELECT e.enrollment_id, e.user_id, e.course_id, e.completed_lesson_ids, c.lesson_ids
FROM learning.enrollments e JOIN learning.courses c USING (course_id)
WHERE e.status = 'confirmed' AND (e.user_id, e.course_id) IN
      (SELECT * FROM unnest($1::uuid[], $2::uuid[]))
FOR UPDATE OF e
"""
COMPLETE = """
UPDATE learning.enrollments e SET completed_lesson_ids = t.done::uuid[], updated_at = now()
FROM unnest($1::uuid[], $2::text[]) AS t(enrollment_id, done)
WHERE e.enrollment_id = t.enrollment_id
"""


@dataclass(frozen=True)
class Course:
    """What enrolment needs to know of a course."""

    price_minor: int
    currency: str
    lesson_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True)
class Decision:
    """How an enrolment request goes: its status (None: not recorded) and what to emit."""

    status: str | None
    emit: BaseModel


def decide(request: EnrollmentRequested, course: Course | None, live: bool, at: Any) -> Decision:
    """The first step of an enrolment, as a pure function."""
    rejected = {
        "enrollment_id": request.enrollment_id,
        "user_id": request.user_id,
        "course_id": request.course_id,
    }
    if course is None:
        return Decision(None, EnrollmentRejected(**rejected, reason=UNKNOWN_COURSE))
    if live:
        return Decision(None, EnrollmentRejected(**rejected, reason=ALREADY_ENROLLED))
    if course.price_minor == 0:
        return Decision(
            "confirmed",
            EnrollmentConfirmed(**rejected, total_lessons=len(course.lesson_ids), confirmed_at=at),
        )
    if request.pay_with == "card":
        return Decision(
            "awaiting_payment",
            PaymentRequested(
                payment_id=enrollment_payment_id(request.enrollment_id),
                user_id=request.user_id,
                amount_minor=course.price_minor,
                currency=course.currency,
                purpose="course_purchase",
                course_id=request.course_id,
            ),
        )
    return Decision(
        "awaiting_payment",
        WalletDebitRequested(
            debit_id=uuid.uuid5(request.enrollment_id, "debit"),
            user_id=request.user_id,
            amount_minor=course.price_minor,
            currency=course.currency,
            purpose="course_purchase",
            reference=request.enrollment_id,
        ),
    )


async def on_enrollment_requested(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """Confirm free enrolments; ask the wallet to pay for the others."""
    requests = [e.payload for e in events]
    courses = {
        row["course_id"]: Course(row["price_minor"], row["currency"], tuple(row["lesson_ids"]))
        for row in await uow.conn.fetch(COURSES, list({r.course_id for r in requests}))
    }
    live = {
        (row["user_id"], row["course_id"])
        for row in await uow.conn.fetch(
            LIVE, [r.user_id for r in requests], [r.course_id for r in requests]
        )
    }
    opened = []
    for event in events:
        request = event.payload
        pair = (request.user_id, request.course_id)
        course = courses.get(request.course_id)
        decision = decide(request, course, pair in live, event.envelope.occurred_at)
        if decision.status is not None and course is not None:
            live.add(pair)
            opened.append((request, decision.status, len(course.lesson_ids), event))
        if isinstance(decision.emit, PaymentRequested):
            # The card payment is a command of its own: its outcomes (an intent created)
            # must not settle the enrolment, which settles when the payment does.
            uow.emit(decision.emit, cause=event, correlation_id=decision.emit.payment_id)
        else:
            uow.emit(decision.emit, cause=event)
    if opened:
        await uow.conn.execute(
            OPEN,
            [r.enrollment_id for r, *_ in opened],
            [r.user_id for r, *_ in opened],
            [r.course_id for r, *_ in opened],
            [s for _, s, _, _ in opened],
            [n for _, _, n, _ in opened],
            [
                enrollment_payment_id(r.enrollment_id) if r.pay_with == "card" else None
                for r, *_ in opened
            ],
            [e.envelope.correlation_id for *_, e in opened],
        )


async def on_wallet_debited(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """A course paid from the wallet: confirm the enrolment it was for."""
    paid = {e.payload.reference: e for e in events if e.payload.reason == "course_purchase"}
    if not paid:
        return
    rows = await uow.conn.fetch(SETTLE, list(paid), ["confirmed"] * len(paid))
    for row in rows:
        uow.emit(
            EnrollmentConfirmed(
                enrollment_id=row["enrollment_id"],
                user_id=row["user_id"],
                course_id=row["course_id"],
                total_lessons=row["total_lessons"],
                confirmed_at=paid[row["enrollment_id"]].envelope.occurred_at,
            ),
            cause=paid[row["enrollment_id"]],
        )


async def on_wallet_debit_rejected(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """The wallet could not pay: the enrolment is rejected with the wallet's reason."""
    refused = {e.payload.reference: e for e in events}
    rows = await uow.conn.fetch(SETTLE, list(refused), ["rejected"] * len(refused))
    for row in rows:
        cause = refused[row["enrollment_id"]]
        uow.emit(
            EnrollmentRejected(
                enrollment_id=row["enrollment_id"],
                user_id=row["user_id"],
                course_id=row["course_id"],
                reason=cause.payload.reason,
            ),
            cause=cause,
        )


async def on_lesson_completed(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """Record finished lessons of confirmed enrolments, and the progress they make."""
    rows = await uow.conn.fetch(
        ENROLLED, [e.payload.user_id for e in events], [e.payload.course_id for e in events]
    )
    enrolled = {(r["user_id"], r["course_id"]): dict(r) for r in rows}
    changed: dict[uuid.UUID, list[uuid.UUID]] = {}
    for event in events:
        p = event.payload
        enrollment = enrolled.get((p.user_id, p.course_id))
        reason = (
            NOT_ENROLLED
            if enrollment is None
            else NOT_A_LESSON
            if p.lesson_id not in enrollment["lesson_ids"]
            else None
        )
        if enrollment is None or reason is not None:
            uow.emit(
                LessonCompletionRejected(
                    user_id=p.user_id,
                    course_id=p.course_id,
                    lesson_id=p.lesson_id,
                    reason=reason or "",
                ),
                cause=event,
            )
            continue
        done = list(dict.fromkeys([*enrollment["completed_lesson_ids"], p.lesson_id]))
        enrollment["completed_lesson_ids"] = done
        changed[enrollment["enrollment_id"]] = done
        total = len(enrollment["lesson_ids"])
        uow.emit(
            EnrollmentProgressed(
                enrollment_id=enrollment["enrollment_id"],
                user_id=p.user_id,
                course_id=p.course_id,
                completed_lessons=len(done),
                total_lessons=total,
                progress_percent=len(done) * 100 // total,
            ),
            cause=event,
        )
    if changed:
        await uow.conn.execute(
            COMPLETE,
            list(changed),
            ["{" + ",".join(map(str, ids)) + "}" for ids in changed.values()],
        )


async def on_payment_settled(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """A card payment for a course settled: confirm or reject its enrolment."""
    rows = await uow.conn.fetch(BY_PAYMENT, [e.payload.payment_id for e in events])
    by_payment = {row["payment_id"]: row["enrollment_id"] for row in rows}
    causes = {
        by_payment[e.payload.payment_id]: e for e in events if e.payload.payment_id in by_payment
    }
    if not causes:
        return
    confirm = [i for i, e in causes.items() if e.spec is topics.PAYMENT_SUCCEEDED]
    reject = [i for i in causes if i not in confirm]
    settled = await uow.conn.fetch(
        SETTLE, [*confirm, *reject], ["confirmed"] * len(confirm) + ["rejected"] * len(reject)
    )
    for row in settled:
        cause = causes[row["enrollment_id"]]
        fields = {
            "enrollment_id": row["enrollment_id"],
            "user_id": row["user_id"],
            "course_id": row["course_id"],
        }
        outcome: BaseModel = (
            EnrollmentConfirmed(
                **fields,
                total_lessons=row["total_lessons"],
                confirmed_at=cause.envelope.occurred_at,
            )
            if row["enrollment_id"] in confirm
            else EnrollmentRejected(**fields, reason=f"payment failed: {cause.payload.reason}")
        )
        # Settles the enrolment command, whose id the saga kept for this moment.
        uow.emit(outcome, cause=cause, correlation_id=row["command_id"])


REVOKE = """
UPDATE learning.enrollments e SET status = 'revoked', updated_at = now()
WHERE e.payment_id = ANY($1::uuid[]) AND e.status = 'confirmed'
RETURNING e.enrollment_id, e.user_id, e.course_id, e.payment_id
"""


async def on_payment_refunded(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """A course's card payment was refunded: the enrolment it paid for ends."""
    causes = {e.payload.payment_id: e for e in events if e.payload.purpose == "course_purchase"}
    if not causes:
        return
    for row in await uow.conn.fetch(REVOKE, list(causes)):
        uow.emit(
            EnrollmentRevoked(
                enrollment_id=row["enrollment_id"],
                user_id=row["user_id"],
                course_id=row["course_id"],
                reason="payment refunded",
            ),
            cause=causes[row["payment_id"]],
        )
