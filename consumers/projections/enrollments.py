"""The enrolments projection: `read.enrollments`, each user's enrolments with progress.

The saga's facts travel on several topics; a status only moves forward by rank, and
progress only rises.
"""

from __future__ import annotations

from collections.abc import Sequence

from azora.consume.service import service, subscribe
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from consumers.projections.batches import latest_per_key
from schemas import catalogue as topics
from schemas.learning import (
    EnrollmentConfirmed,
    EnrollmentProgressed,
    EnrollmentRejected,
    EnrollmentRequested,
    EnrollmentRevoked,
)

EnrollmentFact = (
    EnrollmentRequested
    | EnrollmentConfirmed
    | EnrollmentRejected
    | EnrollmentProgressed
    | EnrollmentRevoked
)

RANK = {"pending": 0, "confirmed": 1, "rejected": 1, "revoked": 2}
STATUS = {
    topics.ENROLLMENT_REQUESTED: "pending",
    topics.ENROLLMENT_CONFIRMED: "confirmed",
    topics.ENROLLMENT_REJECTED: "rejected",
    topics.ENROLLMENT_PROGRESSED: "confirmed",
    topics.ENROLLMENT_REVOKED: "revoked",
}

UPSERT = """
INSERT INTO enrollments (enrollment_id, user_id, course_id, status, rank, reason,
                              completed_lessons, total_lessons, progress_percent)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::smallint[],
                     $6::text[], $7::int[], $8::int[], $9::int[])
ON CONFLICT (enrollment_id) DO UPDATE SET
    status = CASE WHEN EXCLUDED.rank > enrollments.rank
                  THEN EXCLUDED.status ELSE enrollments.status END,
    rank = GREATEST(enrollments.rank, EXCLUDED.rank),
    reason = COALESCE(enrollments.reason, EXCLUDED.reason),
    completed_lessons = GREATEST(enrollments.completed_lessons, EXCLUDED.completed_lessons),
    total_lessons = COALESCE(enrollments.total_lessons, EXCLUDED.total_lessons),
    progress_percent = GREATEST(enrollments.progress_percent, EXCLUDED.progress_percent),
    updated_at = now()
"""


async def on_enrollment_event(events: Sequence[Event[EnrollmentFact]], uow: UnitOfWork) -> None:
    """Move each enrolment's row forward."""
    latest = latest_per_key(
        events,
        key=lambda event: event.payload.enrollment_id,
        rank=lambda event: getattr(event.payload, "completed_lessons", 0),
    )
    rows = [(e.payload, STATUS[e.spec]) for e in latest]
    await uow.conn.execute(
        UPSERT,
        [p.enrollment_id for p, _ in rows],
        [p.user_id for p, _ in rows],
        [p.course_id for p, _ in rows],
        [s for _, s in rows],
        [RANK[s] for _, s in rows],
        [getattr(p, "reason", None) for p, _ in rows],
        [getattr(p, "completed_lessons", 0) for p, _ in rows],
        [getattr(p, "total_lessons", None) for p, _ in rows],
        [getattr(p, "progress_percent", 0) for p, _ in rows],
    )


# Ranked status, rising progress: repeats change nothing.
ENROLLMENT_VIEWS = service(
    "enrollment_views",
    subscribe(topics.ENROLLMENT_REQUESTED, on_enrollment_event, replay_safe=True),
    subscribe(topics.ENROLLMENT_CONFIRMED, on_enrollment_event, replay_safe=True),
    subscribe(topics.ENROLLMENT_REJECTED, on_enrollment_event, replay_safe=True),
    subscribe(topics.ENROLLMENT_PROGRESSED, on_enrollment_event, replay_safe=True),
    subscribe(topics.ENROLLMENT_REVOKED, on_enrollment_event, replay_safe=True),
    tables=("enrollments",),
)
