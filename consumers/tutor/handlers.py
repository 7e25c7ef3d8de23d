"""The tutor's handlers: answers grounded in the lesson and the conversation; learning paths.

Model calls happen in the consume loop's prepare steps (`answer_questions`,
`draft_paths`), outside any transaction; the handlers then decide each user's quota,
record the conversation and announce the outcome. Each call's result is held by event id
(`HeldResults`): when the transaction that records it fails, the event's retry reuses it
instead of asking (and paying for) the model again. A lesson grounds an answer only when
the asker may read it (an admin, the course's instructor, a confirmed enrolment);
otherwise the question is answered without it.

The user's words are opened (and the answer or path sealed) with one key ring per batch
from the vault; a command whose user was erased before it was answered ends as a failure
with a neutral reason, without a model call, and no words of theirs are kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from azora.consume.held import HeldResults
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from azora.personal.sections import seal_section
from azora.personal.vault import KeyRing, Vault
from consumers.tutor import quota, sql
from consumers.tutor.gateway import ModelGateway, ModelResult
from consumers.tutor.opening import Asked, PathRequested, path_goals, question_text
from consumers.tutor.quota import Quotas
from consumers.tutor.rules import (
    ERASED,
    MALFORMED,
    AcceptedPath,
    Message,
    Request,
    accepted_path,
    path_format,
    path_messages,
    question_messages,
    quota_reason,
)
from schemas.tutor import (
    LearningPathFailed,
    LearningPathGeneratedV2,
    LearningPathSteps,
    TutorAnsweredV2,
    TutorAnswerText,
    TutorFailed,
)

# What a learning path's model call settles (held for retries): the model's result, and
# the accepted path.
Drafted = tuple[ModelResult, AcceptedPath | None]
QUESTIONS = "question"
PATHS = "learning_path"
# What prepare leaves for a command its quota will refuse: no model call was made.
OVER_QUOTA = ModelResult(failure="over quota")
# What prepare leaves for a command of a user with no key (erased): no model call either.
NO_KEY = ModelResult(failure=ERASED)


@dataclass(frozen=True)
class Answering:
    """What a question's preparation settled: the model's result, the question's words (to
    keep in the conversation) and the answer sealed with the asker's key."""

    result: ModelResult
    question: str | None = None
    sealed_answer: str | None = None


@dataclass(frozen=True)
class Drafting:
    """What a learning path's preparation settled: the model's result, the accepted path,
    and its steps sealed with the user's key."""

    result: ModelResult
    sealed_steps: str | None = None


def _requests(events: Sequence[Event[Any]]) -> list[Request]:
    return [Request(e.envelope.event_id, e.payload.user_id, e.envelope.occurred_at) for e in events]


async def _ring(vault: Vault, events: Sequence[Event[Any]]) -> KeyRing:
    """The keys of the batch's users: one call to the vault per batch."""
    return await vault.keyring({e.payload.user_id for e in events})


async def answer_questions(
    model: ModelGateway,
    quotas: Quotas,
    vault: Vault,
    answers: HeldResults[ModelResult],
    events: Sequence[Event[Asked]],
    pool: asyncpg.Pool,
) -> dict[uuid.UUID, Any]:
    """Prepare step: the model's answer to each question within its quota (held ones
    reused), sealed for its asker, by event id."""
    results: dict[uuid.UUID, Any] = {}
    within = await quota.foreseen(pool, QUESTIONS, quotas.questions_per_hour, _requests(events))
    ring = await _ring(vault, events)
    # Questions of one conversation in one batch: the later ones see the earlier answers.
    history: dict[uuid.UUID, list[Message]] = {}
    for event in events:
        q = event.payload
        if event.envelope.event_id not in within:
            results[event.envelope.event_id] = Answering(OVER_QUOTA)
            continue
        question = question_text(ring, q)
        if question is None:
            results[event.envelope.event_id] = Answering(NO_KEY)
            continue
        if q.conversation_id not in history:
            rows = await pool.fetch(sql.HISTORY, q.conversation_id)
            history[q.conversation_id] = [
                {"role": r["role"], "content": r["content"]} for r in rows
            ]
        result = answers.get(event.envelope.event_id)
        if result is None:
            row = (
                None
                if q.lesson_id is None
                else await pool.fetchrow(sql.READABLE_LESSON, q.lesson_id, q.user_id)
            )
            lesson = None if row is None else dict(row)
            messages = question_messages(question, lesson, history[q.conversation_id])
            result = answers.keep(event.envelope.event_id, await model.complete(messages))
        sealed = None
        if result.completion is not None:
            answer = result.completion.text or "(empty answer)"
            sealed = seal_section(ring, q.user_id, TutorAnswerText(answer=answer))
            history[q.conversation_id] += [
                {"role": "user", "content": question},
                {"role": "assistant", "content": result.completion.text},
            ]
        results[event.envelope.event_id] = Answering(result, question, sealed)
    return results


async def draft_paths(
    model: ModelGateway,
    quotas: Quotas,
    vault: Vault,
    drafts: HeldResults[Drafted],
    events: Sequence[Event[PathRequested]],
    pool: asyncpg.Pool,
) -> dict[uuid.UUID, Any]:
    """Prepare step: a validated learning path sealed for its user (or why there is none)
    per request in quota."""
    results: dict[uuid.UUID, Any] = {}
    within = await quota.foreseen(pool, PATHS, quotas.paths_per_hour, _requests(events))
    ring = await _ring(vault, events)
    for event in events:
        p = event.payload
        if event.envelope.event_id not in within:
            results[event.envelope.event_id] = Drafting(OVER_QUOTA)
            continue
        goals = path_goals(ring, p)
        if goals is None:
            results[event.envelope.event_id] = Drafting(NO_KEY)
            continue
        drafted = drafts.get(event.envelope.event_id)
        if drafted is None:
            catalog = [dict(r) for r in await pool.fetch(sql.CATALOG, p.level)]
            known = {r["course_id"] for r in catalog}
            drafted = drafts.keep(
                event.envelope.event_id,
                await _validated_path(model, path_messages(goals, p.level, catalog), known),
            )
        result, draft = drafted
        sealed = (
            None
            if draft is None or result.completion is None
            else seal_section(ring, p.user_id, LearningPathSteps(steps=draft.steps))
        )
        results[event.envelope.event_id] = Drafting(result, sealed)
    return results


async def _validated_path(
    model: ModelGateway, messages: list[Message], known: set[uuid.UUID]
) -> Drafted:
    for _ in range(2):  # malformed output is retried once
        result = await model.complete(messages, path_format())
        if result.completion is None:
            return result, None
        draft = accepted_path(result.completion.text, known)
        if draft is not None:
            return result, draft
    return ModelResult(failure=MALFORMED), None


def _erased(events: Sequence[Event[Any]], uow: UnitOfWork) -> set[uuid.UUID]:
    """The event ids whose user had no key when prepared (erased)."""
    return {
        e.envelope.event_id for e in events if uow.prepared[e.envelope.event_id].result is NO_KEY
    }


async def on_asked(quotas: Quotas, events: Sequence[Event[Asked]], uow: UnitOfWork) -> None:
    """Admit each question within its user's quota, record the exchange, announce the outcome."""
    limit = quotas.questions_per_hour
    erased = _erased(events, uow)
    live = [e for e in events if e.envelope.event_id not in erased]
    within = await quota.admit(uow.conn, QUESTIONS, limit, _requests(live))
    rows: list[tuple[Any, ...]] = []
    for event in events:
        q = event.payload
        prepared: Answering = uow.prepared[event.envelope.event_id]
        result = prepared.result
        if event.envelope.event_id in erased:
            reason = ERASED
        elif event.envelope.event_id not in within or result is OVER_QUOTA:
            # `result is OVER_QUOTA` while admitted cannot happen (prepare counts the same
            # rows); refusing it is the conservative reading if it ever did.
            reason = quota_reason(limit, "questions")
        elif result.completion is None or prepared.sealed_answer is None:
            reason = result.failure or "no answer"
        else:
            c = result.completion
            rows += [
                (
                    q.conversation_id,
                    q.question_id,
                    "user",
                    prepared.question,
                    q.asked_at,
                    q.user_id,
                ),
                (q.conversation_id, q.question_id, "assistant", c.text, q.asked_at, q.user_id),
            ]
            uow.emit(
                TutorAnsweredV2(
                    question_id=q.question_id,
                    user_id=q.user_id,
                    conversation_id=q.conversation_id,
                    model=c.model,
                    tokens_in=c.tokens_in,
                    tokens_out=c.tokens_out,
                    latency_ms=c.latency_ms,
                    personal=prepared.sealed_answer,
                ),
                cause=event,
            )
            continue
        uow.emit(
            TutorFailed(question_id=q.question_id, user_id=q.user_id, reason=reason),
            cause=event,
        )
    if rows:
        await uow.conn.execute(
            sql.SAVE_MESSAGES, *(list(column) for column in zip(*rows, strict=True))
        )


async def on_path_requested(
    quotas: Quotas, events: Sequence[Event[PathRequested]], uow: UnitOfWork
) -> None:
    """Admit each request within its user's quota; announce the drafted path, or why not."""
    limit = quotas.paths_per_hour
    erased = _erased(events, uow)
    live = [e for e in events if e.envelope.event_id not in erased]
    within = await quota.admit(uow.conn, PATHS, limit, _requests(live))
    for event in events:
        p = event.payload
        prepared: Drafting = uow.prepared[event.envelope.event_id]
        result = prepared.result
        if event.envelope.event_id in erased:
            reason = ERASED
        elif event.envelope.event_id not in within or result is OVER_QUOTA:
            reason = quota_reason(limit, "learning paths")
        elif result.completion is None or prepared.sealed_steps is None:
            reason = result.failure or MALFORMED
        else:
            uow.emit(
                LearningPathGeneratedV2(
                    path_id=p.path_id,
                    user_id=p.user_id,
                    model=result.completion.model,
                    personal=prepared.sealed_steps,
                ),
                cause=event,
            )
            continue
        uow.emit(
            LearningPathFailed(path_id=p.path_id, user_id=p.user_id, reason=reason),
            cause=event,
        )
