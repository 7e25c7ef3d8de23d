"""The tutor's rules: the prompts it sends, and which learning paths it accepts."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from consumers.tutor.rules import (
    SYSTEM,
    Request,
    accepted_path,
    admitted,
    path_messages,
    question_messages,
)
from schemas.tutor import LearningPathGoals


def test_a_question_comes_after_the_brief_the_lesson_and_the_conversation() -> None:
    lesson = {"title": "Functors", "course_title": "FP", "content": "fmap..."}
    history = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    messages = question_messages("What is a monad?", lesson, history)
    assert messages[0] == {"role": "system", "content": SYSTEM}
    assert "Lesson 'Functors' of the course 'FP'" in messages[1]["content"]
    assert messages[2:4] == history
    assert messages[-1] == {"role": "user", "content": "What is a monad?"}


def test_a_path_is_asked_for_with_the_subject_level_and_goals_over_the_catalogue() -> None:
    course = {"course_id": uuid.uuid4(), "title": "FP", "level": "beginner"}
    goals = LearningPathGoals(subject="Haskell", goals=("read monads",))
    messages = path_messages(goals, "beginner", [course])
    assert str(course["course_id"]) in messages[1]["content"]
    asked = json.loads(messages[-1]["content"])
    assert asked == {"subject": "Haskell", "level": "beginner", "goals": ["read monads"]}


def test_a_path_keeps_only_courses_azora_has_and_needs_a_step() -> None:
    known, invented = uuid.uuid4(), uuid.uuid4()
    step = {"title": "Basics", "objectives": ["learn"], "course_ids": [str(known), str(invented)]}
    draft = accepted_path(json.dumps({"steps": [step]}), {known})
    assert draft is not None
    assert draft.steps[0].course_ids == (known,)
    assert accepted_path(json.dumps({"steps": []}), {known}) is None
    assert accepted_path("not json", {known}) is None


def test_a_quota_admits_in_order_up_to_the_limit_within_the_hour() -> None:
    user, other = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    earlier = (uuid.uuid4(), now - timedelta(minutes=30))
    stale = (uuid.uuid4(), now - timedelta(minutes=61))
    burst = [Request(uuid.uuid4(), user, now) for _ in range(4)]
    theirs = Request(uuid.uuid4(), other, now)
    chosen = admitted([*burst, theirs], {user: [earlier, stale]}, limit=3)
    assert chosen == {burst[0].command_id, burst[1].command_id, theirs.command_id}


def test_a_redelivered_command_stays_admitted_and_is_not_counted_twice() -> None:
    user = uuid.uuid4()
    now = datetime.now(UTC)
    seen = Request(uuid.uuid4(), user, now)
    fresh = Request(uuid.uuid4(), user, now)
    chosen = admitted([seen, fresh], {user: [(seen.command_id, now)]}, limit=2)
    assert chosen == {seen.command_id, fresh.command_id}
