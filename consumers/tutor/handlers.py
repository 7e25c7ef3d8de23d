"""The tutor's handlers: answers grounded in the lesson and the conversation; learning paths.

Model calls happen in the consume loop's prepare steps (`answer_questions`,
`draft_paths`), outside any transaction; the handlers then record the conversation and
announce the outcome.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from consumers.tutor import sql
from consumers.tutor.gateway import ModelGateway, ModelResult
from consumers.tutor.rules import (
    MALFORMED,
    AcceptedPath,
    Message,
    accepted_path,
    path_format,
    path_messages,
    question_messages,
)
from schemas.learning import CoursePublished
from schemas.tutor import (
    LearningPathFailed,
    LearningPathGenerated,
    LearningPathRequested,
    TutorAnswered,
    TutorAsked,
    TutorFailed,
)


async def answer_questions(
    model: ModelGateway, events: Sequence[Event[TutorAsked]], pool: asyncpg.Pool
) -> dict[uuid.UUID, Any]:
    """Prepare step: the model's answer to each question, by event id."""
    results: dict[uuid.UUID, Any] = {}
    # Questions of one conversation in one batch: the later ones see the earlier answers.
    history: dict[uuid.UUID, list[Message]] = {}
    for event in events:
        q = event.payload
        if q.conversation_id not in history:
            rows = await pool.fetch(sql.HISTORY, q.conversation_id)
            history[q.conversation_id] = [
                {"role": r["role"], "content": r["content"]} for r in rows
            ]
        row = None if q.lesson_id is None else await pool.fetchrow(sql.LESSON, q.lesson_id)
        lesson = None if row is None else dict(row)
        result = await model.complete(question_messages(q, lesson, history[q.conversation_id]))
        results[event.envelope.event_id] = result
        if result.completion is not None:
            history[q.conversation_id] += [
                {"role": "user", "content": q.question},
                {"role": "assistant", "content": result.completion.text},
            ]
    return results


async def draft_paths(
    model: ModelGateway, events: Sequence[Event[LearningPathRequested]], pool: asyncpg.Pool
) -> dict[uuid.UUID, Any]:
    """Prepare step: a validated learning path (or why there is none) per request."""
    results: dict[uuid.UUID, Any] = {}
    for event in events:
        p = event.payload
        catalog = [dict(r) for r in await pool.fetch(sql.CATALOG, p.level)]
        known = {r["course_id"] for r in catalog}
        results[event.envelope.event_id] = await _validated_path(
            model, path_messages(p, catalog), known
        )
    return results


async def _validated_path(
    model: ModelGateway, messages: list[Message], known: set[uuid.UUID]
) -> tuple[ModelResult, AcceptedPath | None]:
    for _ in range(2):  # malformed output is retried once
        result = await model.complete(messages, path_format())
        if result.completion is None:
            return result, None
        draft = accepted_path(result.completion.text, known)
        if draft is not None:
            return result, draft
    return ModelResult(failure=MALFORMED), None


async def on_course_published(events: Sequence[Event[CoursePublished]], uow: UnitOfWork) -> None:
    """Keep the tutor's own copy of courses and lesson content."""
    courses = [e.payload for e in events]
    await uow.conn.execute(
        sql.KEEP_COURSES,
        [c.course_id for c in courses],
        [c.title for c in courses],
        [c.description for c in courses],
        [c.category for c in courses],
        [c.level for c in courses],
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


async def on_asked(events: Sequence[Event[TutorAsked]], uow: UnitOfWork) -> None:
    """Record the exchange and announce the answer, or the failure."""
    rows: list[tuple[Any, ...]] = []
    for event in events:
        q = event.payload
        result: ModelResult = uow.prepared[event.envelope.event_id]
        if result.completion is None:
            uow.emit(
                TutorFailed(
                    question_id=q.question_id,
                    user_id=q.user_id,
                    reason=result.failure or "no answer",
                ),
                cause=event,
            )
            continue
        c = result.completion
        rows += [
            (q.conversation_id, q.question_id, "user", q.question, q.asked_at),
            (q.conversation_id, q.question_id, "assistant", c.text, q.asked_at),
        ]
        uow.emit(
            TutorAnswered(
                question_id=q.question_id,
                user_id=q.user_id,
                conversation_id=q.conversation_id,
                answer=c.text or "(empty answer)",
                model=c.model,
                tokens_in=c.tokens_in,
                tokens_out=c.tokens_out,
                latency_ms=c.latency_ms,
            ),
            cause=event,
        )
    if rows:
        await uow.conn.execute(
            sql.SAVE_MESSAGES, *(list(column) for column in zip(*rows, strict=True))
        )


async def on_path_requested(
    events: Sequence[Event[LearningPathRequested]], uow: UnitOfWork
) -> None:
    """Announce the drafted path, or why there is none."""
    for event in events:
        p = event.payload
        result, draft = uow.prepared[event.envelope.event_id]
        if draft is None or result.completion is None:
            uow.emit(
                LearningPathFailed(
                    path_id=p.path_id, user_id=p.user_id, reason=result.failure or MALFORMED
                ),
                cause=event,
            )
            continue
        uow.emit(
            LearningPathGenerated(
                path_id=p.path_id,
                user_id=p.user_id,
                steps=tuple(draft.steps),
                model=result.completion.model,
            ),
            cause=event,
        )
