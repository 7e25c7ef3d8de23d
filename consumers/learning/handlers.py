"""Learning's handlers: courses published, enrolments opened and settled, lessons done."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from consumers.learning import sql
from consumers.learning.rules import (
    Course,
    Live,
    abandoned_checkout,
    completion_refused,
    decide,
    progressed,
    published,
    superseded,
    unneeded_payment_refund,
)
from schemas import catalogue as topics
from schemas.learning import (
    CoursePublishRequested,
    EnrollmentConfirmed,
    EnrollmentRejected,
    EnrollmentRequested,
    EnrollmentRevoked,
    LessonCompletionRequested,
    enrollment_payment_id,
)
from schemas.payments import PaymentFailed, PaymentRefunded, PaymentRequested, PaymentSucceeded
from schemas.wallet import WalletDebited, WalletDebitRejected


async def on_publish_requested(
    events: Sequence[Event[CoursePublishRequested]], uow: UnitOfWork
) -> None:
    """Record each new course and announce it."""
    requests = [e.payload for e in events]
    rows = await uow.conn.fetch(
        sql.RECORD_COURSES,
        [r.course_id for r in requests],
        [r.instructor_id for r in requests],
        [r.price_minor for r in requests],
        [r.currency for r in requests],
        [
            json.dumps([str(lesson.lesson_id) for m in r.modules for lesson in m.lessons])
            for r in requests
        ],
        [e.envelope.occurred_at for e in events],
    )
    new = {row["course_id"] for row in rows}
    for event in events:
        if event.payload.course_id in new:
            uow.emit(published(event.payload, event.envelope.occurred_at), cause=event)


async def on_enrollment_requested(
    events: Sequence[Event[EnrollmentRequested]], uow: UnitOfWork
) -> None:
    """Confirm free enrolments; ask the wallet (or the card) to pay for the others.

    A request for a course whose card checkout was abandoned supersedes that checkout.
    """
    requests = [e.payload for e in events]
    courses = {
        row["course_id"]: Course(row["price_minor"], row["currency"], tuple(row["lesson_ids"]))
        for row in await uow.conn.fetch(sql.COURSES, list({r.course_id for r in requests}))
    }
    live = {
        (row["user_id"], row["course_id"]): Live(**dict(row))
        for row in await uow.conn.fetch(
            sql.LIVE, [r.user_id for r in requests], [r.course_id for r in requests]
        )
    }
    opened: dict[uuid.UUID, tuple[EnrollmentRequested, str, int, Event[EnrollmentRequested]]] = {}
    superseded_stored: list[uuid.UUID] = []
    for event in events:
        request = event.payload
        pair = (request.user_id, request.course_id)
        existing = live.get(pair)
        # A request never supersedes its own enrolment (a re-published copy of it).
        if (
            existing is not None
            and existing.enrollment_id != request.enrollment_id
            and abandoned_checkout(existing)
        ):
            _supersede(existing, event, uow)
            if existing.enrollment_id in opened:  # opened earlier in this very batch
                r, _, n, e = opened[existing.enrollment_id]
                opened[existing.enrollment_id] = (r, "rejected", n, e)
            else:
                superseded_stored.append(existing.enrollment_id)
            del live[pair]
        course = courses.get(request.course_id)
        decision = decide(request, course, pair in live, event.envelope.occurred_at)
        if decision.status is not None and course is not None:
            card = request.pay_with == "card"
            live[pair] = Live(
                request.enrollment_id,
                request.user_id,
                request.course_id,
                decision.status,
                enrollment_payment_id(request.enrollment_id) if card else None,
                event.envelope.correlation_id,
            )
            opened[request.enrollment_id] = (
                request,
                decision.status,
                len(course.lesson_ids),
                event,
            )
        if isinstance(decision.emit, PaymentRequested):
            # The card payment is a command of its own: its outcomes (an intent created)
            # must not settle the enrolment, which settles when the payment does.
            uow.emit(decision.emit, cause=event, correlation_id=decision.emit.payment_id)
        else:
            uow.emit(decision.emit, cause=event)
    if superseded_stored:
        await uow.conn.execute(sql.SUPERSEDE, superseded_stored)
    if opened:
        rows = list(opened.values())
        await uow.conn.execute(
            sql.OPEN,
            [r.enrollment_id for r, *_ in rows],
            [r.user_id for r, *_ in rows],
            [r.course_id for r, *_ in rows],
            [s for _, s, _, _ in rows],
            [n for _, _, n, _ in rows],
            [
                enrollment_payment_id(r.enrollment_id) if r.pay_with == "card" else None
                for r, *_ in rows
            ],
            [e.envelope.correlation_id for *_, e in rows],
        )


def _supersede(existing: Live, event: Event[EnrollmentRequested], uow: UnitOfWork) -> None:
    """Reject an abandoned checkout's enrolment (settling its own command) and cancel its
    payment (under the payment's correlation, so no outcome of it settles this request)."""
    rejected, cancel = superseded(existing)
    uow.emit(
        rejected,
        cause=event,
        index=1,  # the request's own outcome may be an enrollment.rejected too
        correlation_id=existing.command_id or existing.enrollment_id,
    )
    uow.emit(cancel, cause=event, correlation_id=cancel.payment_id)


def is_course_purchase(debit: WalletDebited) -> bool:
    """Whether a wallet debit paid for a course (transfers and refunds debit wallets too)."""
    return debit.reason == "course_purchase"


async def on_wallet_debited(events: Sequence[Event[WalletDebited]], uow: UnitOfWork) -> None:
    """A course paid from the wallet: confirm the enrolment it was for."""
    paid = {e.payload.reference: e for e in events if is_course_purchase(e.payload)}
    if not paid:
        return
    rows = await uow.conn.fetch(sql.SETTLE, list(paid), ["confirmed"] * len(paid))
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


async def on_wallet_debit_rejected(
    events: Sequence[Event[WalletDebitRejected]], uow: UnitOfWork
) -> None:
    """The wallet could not pay: the enrolment is rejected with the wallet's reason."""
    refused = {e.payload.reference: e for e in events}
    rows = await uow.conn.fetch(sql.SETTLE, list(refused), ["rejected"] * len(refused))
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


async def on_lesson_completed(
    events: Sequence[Event[LessonCompletionRequested]], uow: UnitOfWork
) -> None:
    """Record finished lessons of confirmed enrolments, and the progress they make."""
    rows = await uow.conn.fetch(
        sql.ENROLLED, [e.payload.user_id for e in events], [e.payload.course_id for e in events]
    )
    enrolled = {(r["user_id"], r["course_id"]): dict(r) for r in rows}
    changed: dict[uuid.UUID, list[uuid.UUID]] = {}
    for event in events:
        p = event.payload
        enrollment = enrolled.get((p.user_id, p.course_id))
        refused = completion_refused(p, None if enrollment is None else enrollment["lesson_ids"])
        if enrollment is None or refused is not None:
            if refused is not None:
                uow.emit(refused, cause=event)
            continue
        done = list(dict.fromkeys([*enrollment["completed_lesson_ids"], p.lesson_id]))
        enrollment["completed_lesson_ids"] = done
        changed[enrollment["enrollment_id"]] = done
        uow.emit(
            progressed(p, enrollment["enrollment_id"], done, len(enrollment["lesson_ids"])),
            cause=event,
        )
    if changed:
        await uow.conn.execute(
            sql.COMPLETE,
            list(changed),
            ["{" + ",".join(map(str, ids)) + "}" for ids in changed.values()],
        )


async def on_payment_settled(
    events: Sequence[Event[PaymentSucceeded | PaymentFailed]], uow: UnitOfWork
) -> None:
    """A card payment for a course settled: confirm or reject its enrolment; a payment
    that succeeded for an enrolment no longer waiting for it is given back."""
    rows = await uow.conn.fetch(sql.BY_PAYMENT, [e.payload.payment_id for e in events])
    by_payment = {row["payment_id"]: dict(row) for row in rows}
    causes = {
        by_payment[e.payload.payment_id]["enrollment_id"]: e
        for e in events
        if e.payload.payment_id in by_payment
    }
    if not causes:
        return
    confirm = [i for i, e in causes.items() if e.spec is topics.PAYMENT_SUCCEEDED]
    reject = [i for i in causes if i not in confirm]
    settled = await uow.conn.fetch(
        sql.SETTLE, [*confirm, *reject], ["confirmed"] * len(confirm) + ["rejected"] * len(reject)
    )
    for row in settled:
        cause = causes[row["enrollment_id"]]
        fields: dict[str, Any] = {
            "enrollment_id": row["enrollment_id"],
            "user_id": row["user_id"],
            "course_id": row["course_id"],
        }
        outcome: BaseModel
        if row["enrollment_id"] in confirm:
            outcome = EnrollmentConfirmed(
                **fields,
                total_lessons=row["total_lessons"],
                confirmed_at=cause.envelope.occurred_at,
            )
        else:
            reason = cause.payload.reason if isinstance(cause.payload, PaymentFailed) else ""
            outcome = EnrollmentRejected(**fields, reason=f"payment failed: {reason}")
        # Settles the enrolment command, whose id the saga kept for this moment.
        uow.emit(outcome, cause=cause, correlation_id=row["command_id"])
    moved = {row["enrollment_id"] for row in settled}
    for payment_id, enrollment in by_payment.items():
        cause = causes[enrollment["enrollment_id"]]
        if enrollment["enrollment_id"] in moved or cause.spec is not topics.PAYMENT_SUCCEEDED:
            continue
        refund = unneeded_payment_refund(payment_id, enrollment["user_id"], enrollment["status"])
        if refund is not None:
            # A command of its own, so its outcome settles no other command.
            uow.emit(refund, cause=cause, correlation_id=uuid.uuid5(payment_id, "unneeded"))


async def on_payment_refunded(events: Sequence[Event[PaymentRefunded]], uow: UnitOfWork) -> None:
    """A course's card payment was refunded in full: the enrolment it paid for ends (a
    partial refund, `payment.partially_refunded`, leaves it active: a goodwill gesture)."""
    causes = {e.payload.payment_id: e for e in events if e.payload.purpose == "course_purchase"}
    if not causes:
        return
    for row in await uow.conn.fetch(sql.REVOKE, list(causes)):
        uow.emit(
            EnrollmentRevoked(
                enrollment_id=row["enrollment_id"],
                user_id=row["user_id"],
                course_id=row["course_id"],
                reason="payment refunded",
            ),
            cause=causes[row["payment_id"]],
        )
