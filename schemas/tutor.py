"""The AI tutor: questions and answers, and learning paths as structured output."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from schemas.base import ContractModel
from schemas.sealed import SealedPersonal
from schemas.topic import COMMAND_RETENTION_MS, TopicSpec, command, event

Level = Literal["beginner", "intermediate", "advanced"]
# Today's bounds, shared by the version 1 fields and the version 2 sections.
QuestionText = Annotated[str, Field(min_length=1, max_length=4000)]
AnswerText = Annotated[str, Field(min_length=1, max_length=100_000)]
Subject = Annotated[str, Field(min_length=1, max_length=200)]
Goals = Annotated[tuple[str, ...], Field(min_length=1, max_length=10)]
# How a question or learning path refused by its quota begins its reason (the tutor decides;
# the ingress recognises such refusals so its early 429 counts what the tutor counts).
QUOTA_EXCEEDED = "quota exceeded"


class TutorAsked(ContractModel):
    """Legacy command (`tutor.asked`): the question in clear.

    Superseded by `TutorAskedV2`; the tutor still reads it, so questions an ingress of the
    previous release wrote during a rolling upgrade are answered.
    """

    question_id: uuid.UUID
    user_id: uuid.UUID
    conversation_id: uuid.UUID
    question: QuestionText
    course_id: uuid.UUID | None = None
    lesson_id: uuid.UUID | None = None
    asked_at: AwareDatetime


class TutorAnswered(ContractModel):
    """Legacy fact (`tutor.answered`): the answer in clear.

    Superseded by `TutorAnsweredV2`; still read (projections rebuild the answers given
    before the upgrade) until its legacy retention deletes it.
    """

    question_id: uuid.UUID
    user_id: uuid.UUID
    conversation_id: uuid.UUID
    answer: AnswerText
    model: str = Field(min_length=1, max_length=200)
    tokens_in: int = Field(ge=0)
    tokens_out: int = Field(ge=0)
    latency_ms: int = Field(ge=0)


class TutorFailed(ContractModel):
    """Fact: no answer, and why (no provider, the provider kept failing, ...)."""

    question_id: uuid.UUID
    user_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=1000)


class PathStep(ContractModel):
    """One step of a learning path; `course_ids` are Azora courses that fit it."""

    title: str = Field(min_length=1, max_length=200)
    objectives: tuple[str, ...] = Field(min_length=1, max_length=10)
    course_ids: tuple[uuid.UUID, ...] = Field(default=(), max_length=5)


PathSteps = Annotated[tuple[PathStep, ...], Field(min_length=1, max_length=20)]


class LearningPathRequested(ContractModel):
    """Legacy command (`learning_path.requested`): subject and goals in clear.

    Superseded by `LearningPathRequestedV2`; the tutor still reads it.
    """

    path_id: uuid.UUID
    user_id: uuid.UUID
    subject: Subject
    level: Level
    goals: Goals


class LearningPathGenerated(ContractModel):
    """Legacy fact (`learning_path.generated`): the steps in clear.

    Superseded by `LearningPathGeneratedV2`; still read until its legacy retention ends.
    """

    path_id: uuid.UUID
    user_id: uuid.UUID
    steps: PathSteps
    model: str = Field(min_length=1, max_length=200)


# The personal sections of the version 2 events: what the user wrote, and what the model
# wrote from it (answers and paths quote the question and the goals). Each is sealed whole
# with the user's key (`schemas.sealed`) as the event's one `personal` field.


class TutorQuestionText(ContractModel):
    """Section of `tutor.asked.v2`: the question."""

    question: QuestionText


class TutorAnswerText(ContractModel):
    """Section of `tutor.answered.v2`: the answer."""

    answer: AnswerText


class LearningPathGoals(ContractModel):
    """Section of `learning_path.requested.v2`: the subject and the goals."""

    subject: Subject
    goals: Goals


class LearningPathSteps(ContractModel):
    """Section of `learning_path.generated.v2`: the steps (titles, objectives, course ids).

    Course ids are not personal, but a step is sealed whole: a title never travels apart
    from the courses it names, and no two lists must be kept the same length.
    """

    steps: PathSteps


class TutorAskedV2(ContractModel):
    """Command: a question for the tutor, optionally about a lesson, within a conversation;
    the question sealed with the asker's key (`TutorQuestionText`)."""

    question_id: uuid.UUID
    user_id: uuid.UUID
    conversation_id: uuid.UUID
    course_id: uuid.UUID | None = None
    lesson_id: uuid.UUID | None = None
    asked_at: AwareDatetime
    personal: SealedPersonal


class TutorAnsweredV2(ContractModel):
    """Fact: the model answered; usage and latency in clear, the answer sealed with the
    asker's key (`TutorAnswerText`)."""

    question_id: uuid.UUID
    user_id: uuid.UUID
    conversation_id: uuid.UUID
    model: str = Field(min_length=1, max_length=200)
    tokens_in: int = Field(ge=0)
    tokens_out: int = Field(ge=0)
    latency_ms: int = Field(ge=0)
    personal: SealedPersonal


class LearningPathRequestedV2(ContractModel):
    """Command: draft a learning path at a level; subject and goals sealed with the user's
    key (`LearningPathGoals`)."""

    path_id: uuid.UUID
    user_id: uuid.UUID
    level: Level
    personal: SealedPersonal


class LearningPathGeneratedV2(ContractModel):
    """Fact: the model drafted a path that validated; its steps sealed with the user's key
    (`LearningPathSteps`)."""

    path_id: uuid.UUID
    user_id: uuid.UUID
    model: str = Field(min_length=1, max_length=200)
    personal: SealedPersonal


class LearningPathFailed(ContractModel):
    """Fact: no path, and why."""

    path_id: uuid.UUID
    user_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=1000)


# The topics these models travel on, in the order the catalogue lists them.

# Version 1 facts held the user's words in clear: read, never written, and kept only long
# enough for every reader to drain them during the upgrade (as `schemas.payments` does with
# its version 1 topics); then Kafka deletes them, and an erased user's words with them.
LEGACY_RETENTION_MS = COMMAND_RETENTION_MS

# Keyed by user: a user's questions meet in one partition, in order, so the quota counted
# by the tutor is decided one question at a time (and a conversation, being one user's,
# is still answered in order, with the history so far).
TUTOR_ASKED = command(
    "tutor.asked",
    TutorAsked,
    key="user_id",
    description="Version 1, read only: a question to the tutor, in clear.",
)
TUTOR_ASKED_V2 = command(
    "tutor.asked.v2",
    TutorAskedV2,
    key="user_id",
    description="A user asked the tutor a question (sealed with their key).",
)
TUTOR_ANSWERED = replace(
    event(
        "tutor.answered",
        TutorAnswered,
        key="conversation_id",
        description="Version 1, read only: the tutor's answer, in clear.",
        settles="succeeded",
    ),
    retention_ms=LEGACY_RETENTION_MS,
)
TUTOR_ANSWERED_V2 = event(
    "tutor.answered.v2",
    TutorAnsweredV2,
    key="conversation_id",
    description="The tutor answered (sealed with the asker's key), with model, usage, latency.",
    settles="succeeded",
)
TUTOR_FAILED = event(
    "tutor.failed",
    TutorFailed,
    key="user_id",
    description="The tutor could not answer, with the reason.",
    settles="rejected",
)
# Keyed by user, like questions: the learning-path quota is decided in one partition.
LEARNING_PATH_REQUESTED = command(
    "learning_path.requested",
    LearningPathRequested,
    key="user_id",
    description="Version 1, read only: a request for a learning path, goals in clear.",
)
LEARNING_PATH_REQUESTED_V2 = command(
    "learning_path.requested.v2",
    LearningPathRequestedV2,
    key="user_id",
    description="A user asked for a learning path (subject and goals sealed with their key).",
)
LEARNING_PATH_GENERATED = replace(
    event(
        "learning_path.generated",
        LearningPathGenerated,
        key="path_id",
        description="Version 1, read only: a drafted learning path, steps in clear.",
        settles="succeeded",
    ),
    retention_ms=LEGACY_RETENTION_MS,
)
LEARNING_PATH_GENERATED_V2 = event(
    "learning_path.generated.v2",
    LearningPathGeneratedV2,
    key="path_id",
    description="A learning path was drafted and validated (steps sealed with the user's key).",
    settles="succeeded",
)
LEARNING_PATH_FAILED = event(
    "learning_path.failed",
    LearningPathFailed,
    key="path_id",
    description="No learning path could be drafted, with the reason.",
    settles="rejected",
)

# Version 1 facts replaced by a sealed version 2, by their successor (see `LEGACY_RETENTION_MS`).
# The version 1 commands are not listed: commands expire after a month anyway.
SUPERSEDED: dict[TopicSpec, TopicSpec] = {
    TUTOR_ANSWERED: TUTOR_ANSWERED_V2,
    LEARNING_PATH_GENERATED: LEARNING_PATH_GENERATED_V2,
}
TOPICS: tuple[TopicSpec, ...] = (
    TUTOR_ASKED,
    TUTOR_ANSWERED,
    TUTOR_FAILED,
    LEARNING_PATH_REQUESTED,
    LEARNING_PATH_GENERATED,
    LEARNING_PATH_FAILED,
    TUTOR_ASKED_V2,
    TUTOR_ANSWERED_V2,
    LEARNING_PATH_REQUESTED_V2,
    LEARNING_PATH_GENERATED_V2,
)
