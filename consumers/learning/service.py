"""Learning: publishes courses (and, next, runs enrolments); owns the `learning` schema."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from azora.consume.service import Service
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from consumers.learning import enrollments
from schemas import catalogue as topics
from schemas.learning import CoursePublished, CoursePublishRequested

# A course id is published once; a repeated request (same id) publishes nothing new.
RECORD = """
INSERT INTO learning.courses (course_id, instructor_id, price_minor, currency, lesson_ids,
                              published_at)
SELECT t.course_id, t.instructor_id, t.price_minor, t.currency,
       ARRAY(SELECT jsonb_array_elements_text(t.lesson_ids::jsonb)::uuid), t.published_at
FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::timestamptz[])
     AS t(course_id, instructor_id, price_minor, currency, lesson_ids, published_at)
ON CONFLICT DO NOTHING
RETURNING course_id
"""


def published(request: CoursePublishRequested, at: Any) -> CoursePublished:
    """The fact a publish request becomes."""
    return CoursePublished(**request.model_dump(), published_at=at)


async def on_publish_requested(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """Record each new course and announce it."""
    requests = [e.payload for e in events]
    rows = await uow.conn.fetch(
        RECORD,
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


LEARNING = Service(
    name="learning",
    handlers={
        topics.COURSE_PUBLISH_REQUESTED: on_publish_requested,
        topics.ENROLLMENT_REQUESTED: enrollments.on_enrollment_requested,
        topics.WALLET_DEBITED: enrollments.on_wallet_debited,
        topics.WALLET_DEBIT_REJECTED: enrollments.on_wallet_debit_rejected,
        topics.LESSON_COMPLETION_REQUESTED: enrollments.on_lesson_completed,
        topics.PAYMENT_SUCCEEDED: enrollments.on_payment_settled,
        topics.PAYMENT_FAILED: enrollments.on_payment_settled,
        topics.PAYMENT_REFUNDED: enrollments.on_payment_refunded,
    },
    # Transfers and refunds debit wallets too; only course purchases concern enrolments.
    acts_on={topics.WALLET_DEBITED: lambda debit: debit.reason == "course_purchase"},
)
