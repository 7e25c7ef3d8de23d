"""The AI tutor: questions and answers, and learning paths as structured output."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import AwareDatetime, Field

from schemas.base import ContractModel
from schemas.topic import TopicSpec, command, event

Level = Literal["beginner", "intermediate", "advanced"]
# How a question or learning path refused by its quota begins its reason (the tutor decides;
# the ingress recognises such refusals so its early 429 counts what the tutor counts).
QUOTA_EXCEEDED = "quota exceeded"


class TutorAsked(ContractModel):
    """Command: a question for the tutor, optionally about a lesson, within a conversation."""

    question_id: uuid.UUID
    user_id: uuid.UUID
    conversation_id: uuid.UUID
    question: str = Field(min_length=1, max_length=4000)
    course_id: uuid.UUID | None = None
    lesson_id: uuid.UUID | None = None
    asked_at: AwareDatetime


class TutorAnswered(ContractModel):
    """Fact: the model answered; usage and latency come with it."""

    question_id: uuid.UUID
    user_id: uuid.UUID
    conversation_id: uuid.UUID
    answer: str = Field(min_length=1, max_length=100_000)
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


class LearningPathRequested(ContractModel):
    """Command: draft a learning path for a subject, level and goals."""

    path_id: uuid.UUID
    user_id: uuid.UUID
    subject: str = Field(min_length=1, max_length=200)
    level: Level
    goals: tuple[str, ...] = Field(min_length=1, max_length=10)


class LearningPathGenerated(ContractModel):
    """Fact: the model drafted a path that validated against `PathStep`s."""

    path_id: uuid.UUID
    user_id: uuid.UUID
    steps: tuple[PathStep, ...] = Field(min_length=1, max_length=20)
    model: str = Field(min_length=1, max_length=200)


class LearningPathFailed(ContractModel):
    """Fact: no path, and why."""

    path_id: uuid.UUID
    user_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=1000)


# The topics these models travel on, in the order the catalogue lists them.

# Keyed by user: a user's questions meet in one partition, in order, so the quota counted
# by the tutor is decided one question at a time (and a conversation, being one user's,
# is still answered in order, with the history so far).
TUTOR_ASKED = command(
    "tutor.asked",
    TutorAsked,
    key="user_id",
    description="A user asked the tutor a question.",
)
TUTOR_ANSWERED = event(
    "tutor.answered",
    TutorAnswered,
    key="conversation_id",
    description="The tutor answered, with model, token usage and latency.",
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
    description="A user asked for a learning path.",
)
LEARNING_PATH_GENERATED = event(
    "learning_path.generated",
    LearningPathGenerated,
    key="path_id",
    description="A learning path was drafted and validated.",
    settles="succeeded",
)
LEARNING_PATH_FAILED = event(
    "learning_path.failed",
    LearningPathFailed,
    key="path_id",
    description="No learning path could be drafted, with the reason.",
    settles="rejected",
)

TOPICS: tuple[TopicSpec, ...] = (
    TUTOR_ASKED,
    TUTOR_ANSWERED,
    TUTOR_FAILED,
    LEARNING_PATH_REQUESTED,
    LEARNING_PATH_GENERATED,
    LEARNING_PATH_FAILED,
)
