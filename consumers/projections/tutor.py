"""Tutor read models: `read.tutor_questions` (also the quota's count) and `read.learning_paths`."""

from __future__ import annotations

import json
from collections.abc import Sequence

from azora.consume.service import service, subscribe
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from consumers.projections.batches import latest_per_key
from schemas import catalogue as topics
from schemas.erasure import UserErased
from schemas.tutor import (
    LearningPathFailed,
    LearningPathGenerated,
    LearningPathRequested,
    TutorAnswered,
    TutorAsked,
    TutorFailed,
)

QuestionFact = TutorAsked | TutorAnswered | TutorFailed
PathFact = LearningPathRequested | LearningPathGenerated | LearningPathFailed

QUESTIONS = """
INSERT INTO tutor_questions (question_id, user_id, conversation_id, status, rank, answer,
                                  model, tokens_in, tokens_out, latency_ms, reason, asked_at)
SELECT t.question_id, t.user_id, t.conversation_id, t.status, t.rank, t.answer, t.model,
       t.tokens_in, t.tokens_out, t.latency_ms, t.reason, COALESCE(t.asked_at, now())
FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::smallint[], $6::text[],
            $7::text[], $8::int[], $9::int[], $10::int[], $11::text[], $12::timestamptz[])
     AS t(question_id, user_id, conversation_id, status, rank, answer, model, tokens_in,
          tokens_out, latency_ms, reason, asked_at)
ON CONFLICT (question_id) DO UPDATE SET
    status = CASE WHEN EXCLUDED.rank > tutor_questions.rank
                  THEN EXCLUDED.status ELSE tutor_questions.status END,
    rank = GREATEST(tutor_questions.rank, EXCLUDED.rank),
    conversation_id = COALESCE(tutor_questions.conversation_id, EXCLUDED.conversation_id),
    answer = COALESCE(tutor_questions.answer, EXCLUDED.answer),
    model = COALESCE(tutor_questions.model, EXCLUDED.model),
    tokens_in = COALESCE(tutor_questions.tokens_in, EXCLUDED.tokens_in),
    tokens_out = COALESCE(tutor_questions.tokens_out, EXCLUDED.tokens_out),
    latency_ms = COALESCE(tutor_questions.latency_ms, EXCLUDED.latency_ms),
    reason = COALESCE(tutor_questions.reason, EXCLUDED.reason),
    asked_at = LEAST(tutor_questions.asked_at, EXCLUDED.asked_at)
"""
PATHS = """
INSERT INTO learning_paths (path_id, user_id, status, rank, steps, model, reason)
SELECT t.path_id, t.user_id, t.status, t.rank, t.steps::jsonb, t.model, t.reason
FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::smallint[], $5::text[], $6::text[],
            $7::text[]) AS t(path_id, user_id, status, rank, steps, model, reason)
ON CONFLICT (path_id) DO UPDATE SET
    status = CASE WHEN EXCLUDED.rank > learning_paths.rank
                  THEN EXCLUDED.status ELSE learning_paths.status END,
    rank = GREATEST(learning_paths.rank, EXCLUDED.rank),
    steps = COALESCE(learning_paths.steps, EXCLUDED.steps),
    model = COALESCE(learning_paths.model, EXCLUDED.model),
    reason = COALESCE(learning_paths.reason, EXCLUDED.reason)
"""
QUESTION_STATUS = {
    topics.TUTOR_ASKED: ("pending", 0),
    topics.TUTOR_ANSWERED: ("answered", 1),
    topics.TUTOR_FAILED: ("failed", 1),
}
PATH_STATUS = {
    topics.LEARNING_PATH_REQUESTED: ("pending", 0),
    topics.LEARNING_PATH_GENERATED: ("generated", 1),
    topics.LEARNING_PATH_FAILED: ("failed", 1),
}


async def on_question_event(events: Sequence[Event[QuestionFact]], uow: UnitOfWork) -> None:
    """Move each question's row forward."""
    rows = latest_per_key(events, key=lambda e: e.payload.question_id)
    p = [e.payload for e in rows]
    status = [QUESTION_STATUS[e.spec] for e in rows]
    await uow.conn.execute(
        QUESTIONS,
        [x.question_id for x in p],
        [x.user_id for x in p],
        [getattr(x, "conversation_id", None) for x in p],
        [s for s, _ in status],
        [r for _, r in status],
        [getattr(x, "answer", None) for x in p],
        [getattr(x, "model", None) for x in p],
        [getattr(x, "tokens_in", None) for x in p],
        [getattr(x, "tokens_out", None) for x in p],
        [getattr(x, "latency_ms", None) for x in p],
        [getattr(x, "reason", None) for x in p],
        [getattr(x, "asked_at", None) for x in p],
    )


async def on_path_event(events: Sequence[Event[PathFact]], uow: UnitOfWork) -> None:
    """Move each learning path's row forward."""
    rows = latest_per_key(events, key=lambda e: e.payload.path_id)
    p = [e.payload for e in rows]
    status = [PATH_STATUS[e.spec] for e in rows]
    steps = [
        json.dumps(x.model_dump(mode="json")["steps"]) if hasattr(x, "steps") else None for x in p
    ]
    await uow.conn.execute(
        PATHS,
        [x.path_id for x in p],
        [x.user_id for x in p],
        [s for s, _ in status],
        [r for _, r in status],
        steps,
        [getattr(x, "model", None) for x in p],
        [getattr(x, "reason", None) for x in p],
    )


# What an erased user wrote (questions, answers quoting them, path goals) goes.
ERASED = """
WITH t AS (SELECT unnest($1::uuid[]) AS user_id),
questions AS (DELETE FROM tutor_questions WHERE user_id IN (SELECT user_id FROM t))
DELETE FROM learning_paths WHERE user_id IN (SELECT user_id FROM t)
"""


async def on_user_erased(events: Sequence[Event[UserErased]], uow: UnitOfWork) -> None:
    """Drop the erased users' questions, answers and learning paths."""
    await uow.conn.execute(ERASED, [event.payload.user_id for event in events])


# Ranked, COALESCEd upserts: a repeat changes nothing.
TUTOR_VIEWS = service(
    "tutor_views",
    subscribe(topics.TUTOR_ASKED, on_question_event, replay_safe=True),
    subscribe(topics.TUTOR_ANSWERED, on_question_event, replay_safe=True),
    subscribe(topics.TUTOR_FAILED, on_question_event, replay_safe=True),
    subscribe(topics.LEARNING_PATH_REQUESTED, on_path_event, replay_safe=True),
    subscribe(topics.LEARNING_PATH_GENERATED, on_path_event, replay_safe=True),
    subscribe(topics.LEARNING_PATH_FAILED, on_path_event, replay_safe=True),
    subscribe(topics.USER_ERASED, on_user_erased, replay_safe=True),
    tables=("tutor_questions", "learning_paths"),
)
