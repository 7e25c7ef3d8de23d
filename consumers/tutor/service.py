"""The tutor: answers grounded in the lesson and the conversation; drafts learning paths.

Model calls happen in the consume loop's prepare step (outside any transaction); the
handlers then record the conversation and announce the outcome.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
from pydantic import BaseModel, ConfigDict, ValidationError

from azora.consume.service import Service
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from consumers.tutor.model import ModelGateway, ModelResult
from schemas import catalogue as topics
from schemas.tutor import (
    LearningPathFailed,
    LearningPathGenerated,
    PathStep,
    TutorAnswered,
    TutorFailed,
)

SYSTEM = (
    "You are Azora's tutor. Answer the learner's question clearly and correctly. When a "
    "lesson is given, ground the answer in it."
)
PATH_SYSTEM = (
    'You design learning paths. Answer with JSON only: {"steps": [{"title", '
    '"objectives": [...], "course_ids": [...]}]}. Use only course ids from the catalogue.'
)
MALFORMED = "the model's output did not match the learning path schema (after one retry)"

LESSON = """
SELECT course_title, title, content FROM tutor.lessons WHERE lesson_id = $1
"""
HISTORY = """
SELECT role, content FROM tutor.messages WHERE conversation_id = $1 ORDER BY at, role DESC
"""
CATALOG = """
SELECT course_id, title, level, category FROM tutor.courses
ORDER BY (level = $1) DESC, title LIMIT 50
"""
SAVE_MESSAGES = """
INSERT INTO tutor.messages (conversation_id, question_id, role, content, at)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[])
ON CONFLICT DO NOTHING
"""
KEEP_COURSES = """
INSERT INTO tutor.courses (course_id, title, description, category, level)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])
ON CONFLICT DO NOTHING
"""
KEEP_LESSONS = """
INSERT INTO tutor.lessons (lesson_id, course_id, course_title, title, content)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[])
ON CONFLICT DO NOTHING
"""


class PathDraft(BaseModel):
    """What the model must produce for a learning path."""

    model_config = ConfigDict(extra="forbid")
    steps: list[PathStep]


def path_format() -> dict[str, Any]:
    """The JSON-schema response format asked of the model."""
    return {
        "type": "json_schema",
        "json_schema": {
            "name": "learning_path",
            "schema": PathDraft.model_json_schema(),
            "strict": True,
        },
    }


def make_tutor(model: ModelGateway) -> Service:
    """The tutor service around a model gateway."""

    async def answer_questions(
        events: Sequence[Event[Any]], pool: asyncpg.Pool
    ) -> dict[uuid.UUID, Any]:
        results: dict[uuid.UUID, Any] = {}
        # Questions of one conversation in one batch: the later ones see the earlier answers.
        history: dict[uuid.UUID, list[dict[str, str]]] = {}
        for event in events:
            q = event.payload
            if q.conversation_id not in history:
                rows = await pool.fetch(HISTORY, q.conversation_id)
                history[q.conversation_id] = [
                    {"role": r["role"], "content": r["content"]} for r in rows
                ]
            messages = [{"role": "system", "content": SYSTEM}]
            if q.lesson_id is not None:
                lesson = await pool.fetchrow(LESSON, q.lesson_id)
                if lesson is not None:
                    context = (
                        f"Lesson '{lesson['title']}' of the course '{lesson['course_title']}':"
                        f"\n{lesson['content']}"
                    )
                    messages.append({"role": "system", "content": context})
            messages += history[q.conversation_id]
            messages.append({"role": "user", "content": q.question})
            result = await model.complete(messages)
            results[event.envelope.event_id] = result
            if result.completion is not None:
                history[q.conversation_id] += [
                    {"role": "user", "content": q.question},
                    {"role": "assistant", "content": result.completion.text},
                ]
        return results

    async def draft_paths(events: Sequence[Event[Any]], pool: asyncpg.Pool) -> dict[uuid.UUID, Any]:
        results: dict[uuid.UUID, Any] = {}
        for event in events:
            p = event.payload
            catalog = [dict(r) for r in await pool.fetch(CATALOG, p.level)]
            known = {r["course_id"] for r in catalog}
            messages = [
                {"role": "system", "content": PATH_SYSTEM},
                {
                    "role": "system",
                    "content": "Catalogue: "
                    + json.dumps([{**r, "course_id": str(r["course_id"])} for r in catalog]),
                },
                {
                    "role": "user",
                    "content": json.dumps(
                        {"subject": p.subject, "level": p.level, "goals": list(p.goals)}
                    ),
                },
            ]
            results[event.envelope.event_id] = await _validated_path(model, messages, known)
        return results

    return Service(
        name="tutor",
        handlers={
            topics.COURSE_PUBLISHED: on_course_published,
            topics.TUTOR_ASKED: on_asked,
            topics.LEARNING_PATH_REQUESTED: on_path_requested,
        },
        prepare={topics.TUTOR_ASKED: answer_questions, topics.LEARNING_PATH_REQUESTED: draft_paths},
    )


async def _validated_path(
    model: ModelGateway, messages: list[dict[str, str]], known: set[uuid.UUID]
) -> tuple[ModelResult, PathDraft | None]:
    for _ in range(2):  # malformed output is retried once
        result = await model.complete(messages, path_format())
        if result.completion is None:
            return result, None
        try:
            draft = PathDraft.model_validate_json(result.completion.text)
        except ValidationError:
            continue
        if not draft.steps:
            continue
        # Links only to courses Azora has: an invented id is dropped, not trusted.
        steps = [
            s.model_copy(update={"course_ids": tuple(c for c in s.course_ids if c in known)})
            for s in draft.steps
        ]
        return result, PathDraft(steps=steps)
    return ModelResult(failure=MALFORMED), None


async def on_course_published(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """Keep the tutor's own copy of courses and lesson content."""
    courses = [e.payload for e in events]
    await uow.conn.execute(
        KEEP_COURSES,
        [c.course_id for c in courses],
        [c.title for c in courses],
        [c.description for c in courses],
        [c.category for c in courses],
        [c.level for c in courses],
    )
    lessons = [(c, lesson) for c in courses for m in c.modules for lesson in m.lessons]
    await uow.conn.execute(
        KEEP_LESSONS,
        [lesson.lesson_id for _, lesson in lessons],
        [c.course_id for c, _ in lessons],
        [c.title for c, _ in lessons],
        [lesson.title for _, lesson in lessons],
        [lesson.content for _, lesson in lessons],
    )


async def on_asked(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
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
        await uow.conn.execute(SAVE_MESSAGES, *(list(column) for column in zip(*rows, strict=True)))


async def on_path_requested(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
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
