"""The tutor's rules as pure functions: the prompts it sends, and what it accepts back."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from schemas.tutor import QUOTA_EXCEEDED, LearningPathGoals, Level, PathStep

SYSTEM = (
    "You are Azora's tutor. Answer the learner's question clearly and correctly. When a "
    "lesson is given, ground the answer in it."
)
PATH_SYSTEM = (
    'You design learning paths. Answer with JSON only: {"steps": [{"title", '
    '"objectives": [...], "course_ids": [...]}]}. Use only course ids from the catalogue.'
)
MALFORMED = "the model's output did not match the learning path schema (after one retry)"
# Why a command of a user erased before it was answered has no outcome: neutral, it quotes
# nothing of theirs (their words can no longer be opened, nor an answer sealed for them).
ERASED = "the account was erased before this could be answered"

Message = dict[str, str]


# The schema sent to the model (docstrings become its descriptions) stays inside the subset
# OpenAI documents for strict structured outputs: every field required, no defaults, no
# string lengths. The contract's own rules (`PathStep`) are applied by `accepted_path`.
class StepDraft(BaseModel):
    """One step: a title, what the learner will be able to do, and fitting course ids."""

    model_config = ConfigDict(extra="forbid")
    title: str
    objectives: list[str] = Field(min_length=1, max_length=10)
    course_ids: list[uuid.UUID] = Field(max_length=5)


class PathDraft(BaseModel):
    """A learning path: its steps in order."""

    model_config = ConfigDict(extra="forbid")
    steps: list[StepDraft]


@dataclass(frozen=True)
class AcceptedPath:
    """A draft that passed the contract's rules, linking only to courses Azora has."""

    steps: tuple[PathStep, ...]


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


def question_messages(
    question: str, lesson: Mapping[str, Any] | None, history: Sequence[Message]
) -> list[Message]:
    """The chat for one question: the tutor's brief, the lesson if any, the conversation."""
    messages = [{"role": "system", "content": SYSTEM}]
    if lesson is not None:
        context = (
            f"Lesson '{lesson['title']}' of the course '{lesson['course_title']}':"
            f"\n{lesson['content']}"
        )
        messages.append({"role": "system", "content": context})
    messages += history
    messages.append({"role": "user", "content": question})
    return messages


def path_messages(
    goals: LearningPathGoals, level: Level, catalog: Sequence[Mapping[str, Any]]
) -> list[Message]:
    """The chat asking for a learning path over the courses of `catalog`."""
    return [
        {"role": "system", "content": PATH_SYSTEM},
        {
            "role": "system",
            "content": "Catalogue: "
            + json.dumps([{**r, "course_id": str(r["course_id"])} for r in catalog]),
        },
        {
            "role": "user",
            "content": json.dumps(
                {"subject": goals.subject, "level": level, "goals": list(goals.goals)}
            ),
        },
    ]


def accepted_path(text: str, known: set[uuid.UUID]) -> AcceptedPath | None:
    """The model's draft if it is a non-empty path the contract accepts (None: ask again).

    It links only to courses Azora has: an invented id is dropped, not trusted.
    """
    try:
        draft = PathDraft.model_validate_json(text)
        steps = tuple(
            PathStep(
                title=step.title,
                objectives=tuple(step.objectives),
                course_ids=tuple(c for c in step.course_ids if c in known),
            )
            for step in draft.steps
        )
    except ValidationError:
        return None
    return AcceptedPath(steps) if steps else None


# Quotas count what was admitted within this window before a command.
WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Request:
    """A command a quota decides on: whose, and when it was made."""

    command_id: uuid.UUID
    user_id: uuid.UUID
    at: datetime


def admitted(
    requests: Sequence[Request],
    used: Mapping[uuid.UUID, Sequence[tuple[uuid.UUID, datetime]]],
    limit: int,
) -> set[uuid.UUID]:
    """The requests that fit their user's quota, in order, given what each user already used.

    A request already among the used ones was admitted before (a redelivery): it stays
    admitted and is not counted twice. Every use within the window counts, later ones too,
    so requests stamped by clocks a little apart never pass the limit together.
    """
    chosen: set[uuid.UUID] = set()
    times = {user: dict(uses) for user, uses in used.items()}
    for request in requests:
        mine = times.setdefault(request.user_id, {})
        if request.command_id in mine:
            chosen.add(request.command_id)
            continue
        recent = sum(1 for at in mine.values() if at > request.at - WINDOW)
        if recent < limit:
            mine[request.command_id] = request.at
            chosen.add(request.command_id)
    return chosen


def quota_reason(limit: int, what: str) -> str:
    """Why a command was refused by its quota (the reason its command status shows)."""
    return f"{QUOTA_EXCEEDED}: at most {limit} {what} an hour"
