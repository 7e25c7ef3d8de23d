"""Tutor read models: `read.tutor_questions` (also the quota's count) and `read.learning_paths`."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from azora.consume.service import Service, service, subscribe
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from azora.personal.vault import Vault
from consumers.projections.batches import latest_per_key
from consumers.projections.tutor_rows import (
    PathFact,
    QuestionFact,
    path_row,
    question_row,
    sealed_users,
)
from schemas import catalogue as topics
from schemas.erasure import UserErased

# Never for a user this projection was told is erased: the topics are not ordered, so a
# rebuild may read a version 1 event (in clear) after the erasure.
QUESTIONS = """
INSERT INTO tutor_questions (question_id, user_id, conversation_id, status, rank, answer,
                                  model, tokens_in, tokens_out, latency_ms, reason, asked_at)
SELECT t.question_id, t.user_id, t.conversation_id, t.status, t.rank, t.answer, t.model,
       t.tokens_in, t.tokens_out, t.latency_ms, t.reason, COALESCE(t.asked_at, now())
FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::smallint[], $6::text[],
            $7::text[], $8::int[], $9::int[], $10::int[], $11::text[], $12::timestamptz[])
     AS t(question_id, user_id, conversation_id, status, rank, answer, model, tokens_in,
          tokens_out, latency_ms, reason, asked_at)
WHERE NOT EXISTS (SELECT 1 FROM tutor_erased_users e WHERE e.user_id = t.user_id)
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
WHERE NOT EXISTS (SELECT 1 FROM tutor_erased_users e WHERE e.user_id = t.user_id)
ON CONFLICT (path_id) DO UPDATE SET
    status = CASE WHEN EXCLUDED.rank > learning_paths.rank
                  THEN EXCLUDED.status ELSE learning_paths.status END,
    rank = GREATEST(learning_paths.rank, EXCLUDED.rank),
    steps = COALESCE(learning_paths.steps, EXCLUDED.steps),
    model = COALESCE(learning_paths.model, EXCLUDED.model),
    reason = COALESCE(learning_paths.reason, EXCLUDED.reason)
"""


async def on_question_event(
    vault: Vault, events: Sequence[Event[QuestionFact]], uow: UnitOfWork
) -> None:
    """Move each question's row forward (rows whose words no longer open are dropped)."""
    latest = latest_per_key(events, key=lambda e: e.payload.question_id)
    ring = await vault.keyring(sealed_users([e.payload for e in latest]))
    opened = (question_row(e.spec, e.payload, ring) for e in latest)
    rows = [row for row in opened if row is not None]
    if not rows:
        return
    await uow.conn.execute(
        QUESTIONS,
        [r.question_id for r in rows],
        [r.user_id for r in rows],
        [r.conversation_id for r in rows],
        [r.status for r in rows],
        [r.rank for r in rows],
        [r.answer for r in rows],
        [r.model for r in rows],
        [r.tokens_in for r in rows],
        [r.tokens_out for r in rows],
        [r.latency_ms for r in rows],
        [r.reason for r in rows],
        [r.asked_at for r in rows],
    )


async def on_path_event(vault: Vault, events: Sequence[Event[PathFact]], uow: UnitOfWork) -> None:
    """Move each learning path's row forward (rows whose words no longer open are dropped)."""
    latest = latest_per_key(events, key=lambda e: e.payload.path_id)
    ring = await vault.keyring(sealed_users([e.payload for e in latest]))
    opened = (path_row(e.spec, e.payload, ring) for e in latest)
    rows = [row for row in opened if row is not None]
    if not rows:
        return
    await uow.conn.execute(
        PATHS,
        [r.path_id for r in rows],
        [r.user_id for r in rows],
        [r.status for r in rows],
        [r.rank for r in rows],
        [r.steps for r in rows],
        [r.model for r in rows],
        [r.reason for r in rows],
    )


# What an erased user wrote (questions, answers quoting them, path goals) goes; their id is
# remembered so that no later event brings it back.
ERASED = """
WITH t AS (SELECT DISTINCT unnest($1::uuid[]) AS user_id),
remembered AS (INSERT INTO tutor_erased_users SELECT user_id FROM t ON CONFLICT DO NOTHING),
questions AS (DELETE FROM tutor_questions WHERE user_id IN (SELECT user_id FROM t))
DELETE FROM learning_paths WHERE user_id IN (SELECT user_id FROM t)
"""


async def on_user_erased(events: Sequence[Event[UserErased]], uow: UnitOfWork) -> None:
    """Drop the erased users' questions, answers and learning paths."""
    await uow.conn.execute(ERASED, [event.payload.user_id for event in events])


def tutor_views(vault: Vault) -> Service:
    """The tutor read models, opening users' words with keys from `vault`.

    Ranked, COALESCEd upserts: a repeat changes nothing.
    """
    questions = partial(on_question_event, vault)
    paths = partial(on_path_event, vault)
    return service(
        "tutor_views",
        *(
            subscribe(spec, questions, replay_safe=True)
            for spec in (
                topics.TUTOR_ASKED,
                topics.TUTOR_ASKED_V2,
                topics.TUTOR_ANSWERED,
                topics.TUTOR_ANSWERED_V2,
                topics.TUTOR_FAILED,
            )
        ),
        *(
            subscribe(spec, paths, replay_safe=True)
            for spec in (
                topics.LEARNING_PATH_REQUESTED,
                topics.LEARNING_PATH_REQUESTED_V2,
                topics.LEARNING_PATH_GENERATED,
                topics.LEARNING_PATH_GENERATED_V2,
                topics.LEARNING_PATH_FAILED,
            )
        ),
        subscribe(topics.USER_ERASED, on_user_erased, replay_safe=True),
        tables=("tutor_questions", "learning_paths", "tutor_erased_users"),
    )
