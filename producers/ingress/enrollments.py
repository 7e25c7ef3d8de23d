"""Enrolment and progress endpoints."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response

from producers.ingress import queries
from producers.ingress.auth import Ctx, CurrentUser
from producers.ingress.bus import derived_id
from producers.ingress.commands import IdempotencyKey, accepted, submit
from producers.ingress.problems import PROBLEM_RESPONSES
from schemas.api import (
    Accepted,
    Enrollment,
    EnrollmentAccepted,
    EnrollmentRequest,
    Enrollments,
    ProgressRequest,
)
from schemas.learning import (
    EnrollmentRequested,
    LessonCompletionRequested,
    enrollment_payment_id,
)

router = APIRouter(prefix="/v1", tags=["learning"], responses=PROBLEM_RESPONSES)

MINE = """
SELECT enrollment_id, course_id, status, reason, completed_lessons, total_lessons,
       progress_percent, updated_at
FROM read.enrollments WHERE user_id = $1 ORDER BY updated_at DESC LIMIT 500
"""


@router.post("/enrollments", status_code=202, response_model=EnrollmentAccepted)
async def enrol(
    body: EnrollmentRequest,
    user: CurrentUser,
    ctx: Ctx,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Enrol the caller: free courses confirm at once; paid ones by wallet or by card."""

    async def build(command_id: uuid.UUID) -> EnrollmentRequested:
        return EnrollmentRequested(
            enrollment_id=derived_id(command_id, "enrollment"),
            user_id=user.user_id,
            course_id=body.course_id,
            pay_with=body.pay_with,
        )

    command_id = await submit(
        ctx,
        route="enrollments",
        actor=str(user.user_id),
        request=body,
        idempotency_key=idempotency_key,
        build=build,
    )
    enrollment_id = derived_id(command_id, "enrollment")
    if body.pay_with == "card":
        # The frontend confirms this payment's client_secret (GET /v1/payments/{payment_id}).
        return accepted(
            response,
            command_id,
            enrollment_id=enrollment_id,
            payment_id=enrollment_payment_id(enrollment_id),
        )
    return accepted(response, command_id, enrollment_id=enrollment_id)


@router.get("/enrollments", response_model=Enrollments)
async def my_enrollments(user: CurrentUser, ctx: Ctx) -> Enrollments:
    """The caller's enrolments with status and progress."""
    rows = await queries.fetch_all(ctx, MINE, user.user_id)
    return Enrollments(items=[Enrollment(**dict(row)) for row in rows])


@router.post("/progress", status_code=202, response_model=Accepted)
async def progress(
    body: ProgressRequest,
    user: CurrentUser,
    ctx: Ctx,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Record a finished lesson; progress moves once the learning service checks it."""
    completed_at = datetime.now(UTC)

    async def build(_: uuid.UUID) -> LessonCompletionRequested:
        return LessonCompletionRequested(
            user_id=user.user_id,
            course_id=body.course_id,
            lesson_id=body.lesson_id,
            completed_at=completed_at,
        )

    command_id = await submit(
        ctx,
        route="progress",
        actor=str(user.user_id),
        request=body,
        idempotency_key=idempotency_key,
        build=build,
    )
    return accepted(response, command_id)
