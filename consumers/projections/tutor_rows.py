"""The tutor read models' rows, from events of either version, with the words opened.

Version 2 events carry the user's words (and the answers and paths quoting them) sealed
with the user's key. A row is written only when its event's section opens: once the user
is erased their key is gone, nothing opens, and a rebuild drops their rows entirely (as
`user.erased` dropped them live) rather than keeping ids and statuses with no text, so a
rebuilt table is the table the live one became. Version 1 events (in clear) of erased
users are kept out by the ids the projection remembers (`read.tutor_erased_users`).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from azora.personal.sections import open_section
from azora.personal.vault import KeyRing
from schemas import catalogue as topics
from schemas.topic import TopicSpec
from schemas.tutor import (
    LearningPathFailed,
    LearningPathGenerated,
    LearningPathGeneratedV2,
    LearningPathGoals,
    LearningPathRequested,
    LearningPathRequestedV2,
    LearningPathSteps,
    PathStep,
    TutorAnswered,
    TutorAnsweredV2,
    TutorAnswerText,
    TutorAsked,
    TutorAskedV2,
    TutorFailed,
    TutorQuestionText,
)

QuestionFact = TutorAsked | TutorAskedV2 | TutorAnswered | TutorAnsweredV2 | TutorFailed
PathFact = (
    LearningPathRequested
    | LearningPathRequestedV2
    | LearningPathGenerated
    | LearningPathGeneratedV2
    | LearningPathFailed
)
SEALED = (TutorAskedV2, TutorAnsweredV2, LearningPathRequestedV2, LearningPathGeneratedV2)

QUESTION_STATUS: dict[TopicSpec, tuple[str, int]] = {
    topics.TUTOR_ASKED: ("pending", 0),
    topics.TUTOR_ASKED_V2: ("pending", 0),
    topics.TUTOR_ANSWERED: ("answered", 1),
    topics.TUTOR_ANSWERED_V2: ("answered", 1),
    topics.TUTOR_FAILED: ("failed", 1),
}
PATH_STATUS: dict[TopicSpec, tuple[str, int]] = {
    topics.LEARNING_PATH_REQUESTED: ("pending", 0),
    topics.LEARNING_PATH_REQUESTED_V2: ("pending", 0),
    topics.LEARNING_PATH_GENERATED: ("generated", 1),
    topics.LEARNING_PATH_GENERATED_V2: ("generated", 1),
    topics.LEARNING_PATH_FAILED: ("failed", 1),
}


@dataclass(frozen=True)
class QuestionRow:
    """A `read.tutor_questions` row as one event moves it forward (None: not known yet)."""

    question_id: uuid.UUID
    user_id: uuid.UUID
    status: str
    rank: int
    conversation_id: uuid.UUID | None = None
    answer: str | None = None
    model: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    latency_ms: int | None = None
    reason: str | None = None
    asked_at: datetime | None = None


@dataclass(frozen=True)
class PathRow:
    """A `read.learning_paths` row as one event moves it forward (`steps` as JSON text)."""

    path_id: uuid.UUID
    user_id: uuid.UUID
    status: str
    rank: int
    steps: str | None = None
    model: str | None = None
    reason: str | None = None


def _answer(ring: KeyRing, fact: QuestionFact) -> tuple[bool, str | None]:
    """Whether the fact's words open, and the answer to write (None: it carries none)."""
    if isinstance(fact, TutorAskedV2):
        return open_section(ring, fact.user_id, fact.personal, TutorQuestionText) is not None, None
    if isinstance(fact, TutorAnsweredV2):
        opened = open_section(ring, fact.user_id, fact.personal, TutorAnswerText)
        return opened is not None, None if opened is None else opened.answer
    return True, fact.answer if isinstance(fact, TutorAnswered) else None


def question_row(spec: TopicSpec, fact: QuestionFact, ring: KeyRing) -> QuestionRow | None:
    """The row `fact` writes, or None when its words no longer open (the user was erased)."""
    opens, answer = _answer(ring, fact)
    if not opens:
        return None
    status, rank = QUESTION_STATUS[spec]
    answered = fact if isinstance(fact, TutorAnswered | TutorAnsweredV2) else None
    return QuestionRow(
        question_id=fact.question_id,
        user_id=fact.user_id,
        status=status,
        rank=rank,
        conversation_id=None if isinstance(fact, TutorFailed) else fact.conversation_id,
        answer=answer,
        model=None if answered is None else answered.model,
        tokens_in=None if answered is None else answered.tokens_in,
        tokens_out=None if answered is None else answered.tokens_out,
        latency_ms=None if answered is None else answered.latency_ms,
        reason=fact.reason if isinstance(fact, TutorFailed) else None,
        asked_at=fact.asked_at if isinstance(fact, TutorAsked | TutorAskedV2) else None,
    )


def _steps(ring: KeyRing, fact: PathFact) -> tuple[bool, tuple[PathStep, ...] | None]:
    """Whether the fact's words open, and the steps to write (None: it carries none)."""
    if isinstance(fact, LearningPathRequestedV2):
        return open_section(ring, fact.user_id, fact.personal, LearningPathGoals) is not None, None
    if isinstance(fact, LearningPathGeneratedV2):
        opened = open_section(ring, fact.user_id, fact.personal, LearningPathSteps)
        return opened is not None, None if opened is None else opened.steps
    return True, fact.steps if isinstance(fact, LearningPathGenerated) else None


def path_row(spec: TopicSpec, fact: PathFact, ring: KeyRing) -> PathRow | None:
    """The row `fact` writes, or None when its words no longer open (the user was erased)."""
    opens, steps = _steps(ring, fact)
    if not opens:
        return None
    status, rank = PATH_STATUS[spec]
    generated = fact if isinstance(fact, LearningPathGenerated | LearningPathGeneratedV2) else None
    return PathRow(
        path_id=fact.path_id,
        user_id=fact.user_id,
        status=status,
        rank=rank,
        steps=None
        if steps is None
        else json.dumps([step.model_dump(mode="json") for step in steps]),
        model=None if generated is None else generated.model,
        reason=fact.reason if isinstance(fact, LearningPathFailed) else None,
    )


def sealed_users(facts: list[QuestionFact] | list[PathFact]) -> set[uuid.UUID]:
    """The users whose keys a batch needs: those of its sealed facts."""
    return {fact.user_id for fact in facts if isinstance(fact, SEALED)}
