"""What the tutor keeps of other services' facts, and forgets of erased users.

The tutor grounds answers in lessons only for users who may read them, so it keeps its
own copies: courses with their instructors and lesson content (`course.published`),
enrolments (`enrollment.confirmed` / `revoked`) and admins (`user.role_granted`). On
`user.erased` it forgets what it kept of that user, in the transaction of its offsets.
"""

from __future__ import annotations

from collections.abc import Sequence

from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from consumers.tutor import sql
from schemas.erasure import UserErased
from schemas.learning import (
    CoursePublished,
    EnrollmentConfirmed,
    EnrollmentRevoked,
    UserRoleGranted,
)


async def on_course_published(events: Sequence[Event[CoursePublished]], uow: UnitOfWork) -> None:
    """Keep the tutor's own copy of courses, their instructors and lesson content."""
    courses = [e.payload for e in events]
    await uow.conn.execute(
        sql.KEEP_COURSES,
        [c.course_id for c in courses],
        [c.title for c in courses],
        [c.description for c in courses],
        [c.category for c in courses],
        [c.level for c in courses],
    )
    await uow.conn.execute(
        sql.KEEP_INSTRUCTORS,
        [c.course_id for c in courses],
        [c.instructor_id for c in courses],
    )
    lessons = [(c, lesson) for c in courses for m in c.modules for lesson in m.lessons]
    await uow.conn.execute(
        sql.KEEP_LESSONS,
        [lesson.lesson_id for _, lesson in lessons],
        [c.course_id for c, _ in lessons],
        [c.title for c, _ in lessons],
        [lesson.title for _, lesson in lessons],
        [lesson.content for _, lesson in lessons],
    )


async def _enrollments(
    events: Sequence[Event[EnrollmentConfirmed]] | Sequence[Event[EnrollmentRevoked]],
    status: str,
    rank: int,
    uow: UnitOfWork,
) -> None:
    facts = [e.payload for e in events]
    await uow.conn.execute(
        sql.KEEP_ENROLLMENTS,
        [f.enrollment_id for f in facts],
        [f.user_id for f in facts],
        [f.course_id for f in facts],
        [status] * len(facts),
        [rank] * len(facts),
    )


async def on_enrollment_confirmed(
    events: Sequence[Event[EnrollmentConfirmed]], uow: UnitOfWork
) -> None:
    """A learner may now read the course's lessons (and be tutored on them)."""
    await _enrollments(events, "confirmed", 1, uow)


async def on_enrollment_revoked(
    events: Sequence[Event[EnrollmentRevoked]], uow: UnitOfWork
) -> None:
    """A refunded learner no longer reads the course's lessons."""
    await _enrollments(events, "revoked", 2, uow)


async def on_role_granted(events: Sequence[Event[UserRoleGranted]], uow: UnitOfWork) -> None:
    """Admins read every lesson."""
    admins = [e.payload.user_id for e in events if e.payload.role == "admin"]
    if admins:
        await uow.conn.execute(sql.KEEP_ADMINS, admins)


async def on_user_erased(events: Sequence[Event[UserErased]], uow: UnitOfWork) -> None:
    """Forget what the tutor kept of erased users: their conversations (their words and the
    answers quoting them), quota uses, enrolments and roles; remember only their ids."""
    await uow.conn.execute(sql.FORGET_USERS, [e.payload.user_id for e in events])
