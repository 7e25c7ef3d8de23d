"""Tutor endpoints: questions and learning paths (each with a per-user hourly quota)."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response

from producers.ingress import queries
from producers.ingress.auth import Ctx, CurrentUser
from producers.ingress.bus import derived_id
from producers.ingress.commands import IdempotencyKey, accepted, submit
from producers.ingress.problems import PROBLEM_RESPONSES, Problem, documented
from producers.ingress.sealing import sealed_for
from schemas.api import (
    LearningPath,
    PathAccepted,
    PathRequest,
    Question,
    QuestionAccepted,
    QuestionRequest,
)
from schemas.tutor import (
    QUOTA_EXCEEDED,
    LearningPathGoals,
    LearningPathRequestedV2,
    TutorAskedV2,
    TutorQuestionText,
)

router = APIRouter(prefix="/v1", tags=["tutor"], responses=PROBLEM_RESPONSES)

# The quota is decided by the tutor service as it consumes each question (a burst is
# admitted exactly up to the limit; the rest are rejected with the reason). This early
# check on the read model only spares a caller who is plainly over it a round trip: it
# counts the questions the tutor admitted, not those it refused for the quota.
RECENT = """
SELECT count(*) AS asked, min(asked_at) AS oldest FROM read.tutor_questions
WHERE user_id = $1 AND asked_at > now() - interval '1 hour'
  AND coalesce(reason, '') NOT LIKE $2 || '%'
"""
QUESTION = """
SELECT question_id, status, answer, model, tokens_in, tokens_out, latency_ms, reason
FROM read.tutor_questions WHERE question_id = $1 AND user_id = $2
"""
# A conversation's id is its first question's id (see `ask`): its owner is that question's.
CONVERSATION_OWNER = "SELECT user_id FROM read.tutor_questions WHERE question_id = $1"
PATH = """
SELECT path_id, status, steps, model, reason FROM read.learning_paths
WHERE path_id = $1 AND user_id = $2
"""


@router.post(
    "/tutor/questions",
    status_code=202,
    response_model=QuestionAccepted,
    responses={
        404: documented("conversation_id names another user's conversation"),
        409: documented("The account has no personal-data key to seal the question with"),
        429: documented("Question quota used up (see Retry-After)"),
    },
)
async def ask(
    body: QuestionRequest,
    user: CurrentUser,
    ctx: Ctx,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Ask the tutor; the answer appears at `/v1/tutor/questions/{question_id}`."""
    if body.conversation_id is not None:
        # The tutor prompts with the conversation so far: another user's must stay theirs.
        owner = await queries.fetch_one(ctx, CONVERSATION_OWNER, body.conversation_id)
        if owner is not None and owner["user_id"] != user.user_id:
            raise Problem(
                404, "not_found", "Conversation not found", "no such conversation of yours"
            )
    recent = await queries.fetch_one(ctx, RECENT, user.user_id, QUOTA_EXCEEDED)
    limit = ctx.settings.tutor_questions_per_hour
    if recent is not None and recent["asked"] >= limit:
        wait = 3600 - (datetime.now(UTC) - recent["oldest"]).total_seconds()
        raise Problem(
            429,
            "quota_exceeded",
            "Question quota used up",
            f"at most {limit} questions an hour",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    asked_at = datetime.now(UTC)

    async def build(command_id: uuid.UUID) -> TutorAskedV2:
        question_id = derived_id(command_id, "question")
        personal = await sealed_for(ctx, user.user_id, TutorQuestionText(question=body.question))
        return TutorAskedV2(
            question_id=question_id,
            user_id=user.user_id,
            conversation_id=body.conversation_id or question_id,
            course_id=body.course_id,
            lesson_id=body.lesson_id,
            asked_at=asked_at,
            personal=personal,
        )

    command_id = await submit(
        ctx,
        route="tutor.ask",
        actor=str(user.user_id),
        request=body,
        idempotency_key=idempotency_key,
        build=build,
    )
    question_id = derived_id(command_id, "question")
    return accepted(
        response,
        command_id,
        question_id=question_id,
        conversation_id=body.conversation_id or question_id,
    )


@router.get(
    "/tutor/questions/{question_id}",
    response_model=Question,
    responses={404: documented("Not found")},
)
async def question(question_id: uuid.UUID, user: CurrentUser, ctx: Ctx) -> Question:
    """A question's status and answer (the caller's own only)."""
    row = await queries.fetch_one(ctx, QUESTION, question_id, user.user_id)
    if row is None:
        raise Problem(404, "not_found", "Question not found", "no such question of yours (yet)")
    usage = (
        {
            "tokens_in": row["tokens_in"],
            "tokens_out": row["tokens_out"],
            "latency_ms": row["latency_ms"],
        }
        if row["tokens_in"] is not None
        else None
    )
    return Question(
        question_id=row["question_id"],
        status=row["status"],
        answer=row["answer"],
        model=row["model"],
        usage=usage,
        reason=row["reason"],
    )


@router.post(
    "/learning-paths",
    status_code=202,
    response_model=PathAccepted,
    responses={409: documented("The account has no personal-data key to seal the goals with")},
)
async def request_path(
    body: PathRequest,
    user: CurrentUser,
    ctx: Ctx,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Ask for a learning path; it appears at `/v1/learning-paths/{path_id}`."""

    async def build(command_id: uuid.UUID) -> LearningPathRequestedV2:
        goals = LearningPathGoals(subject=body.subject, goals=tuple(body.goals))
        return LearningPathRequestedV2(
            path_id=derived_id(command_id, "path"),
            user_id=user.user_id,
            level=body.level,
            personal=await sealed_for(ctx, user.user_id, goals),
        )

    command_id = await submit(
        ctx,
        route="learning_paths",
        actor=str(user.user_id),
        request=body,
        idempotency_key=idempotency_key,
        build=build,
    )
    return accepted(response, command_id, path_id=derived_id(command_id, "path"))


@router.get(
    "/learning-paths/{path_id}",
    response_model=LearningPath,
    responses={404: documented("Not found")},
)
async def learning_path(path_id: uuid.UUID, user: CurrentUser, ctx: Ctx) -> LearningPath:
    """A learning path's status and steps (the caller's own only)."""
    row = await queries.fetch_one(ctx, PATH, path_id, user.user_id)
    if row is None:
        raise Problem(404, "not_found", "Learning path not found", "no such path of yours (yet)")
    return LearningPath(
        path_id=row["path_id"],
        status=row["status"],
        steps=row["steps"] or [],
        model=row["model"],
        reason=row["reason"],
    )
