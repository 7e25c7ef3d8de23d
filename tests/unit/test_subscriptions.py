"""Subscribing: a handler meets only its topic's payload model, and each topic once."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest
from mypy import api as mypy

from azora.consume.service import service, subscribe
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from schemas import catalogue as topics
from schemas.learning import CoursePublished

ROOT = Path(__file__).parents[2]


async def on_course_published(events: Sequence[Event[CoursePublished]], uow: UnitOfWork) -> None:
    return None


def test_a_service_reads_what_it_subscribes_to_and_how() -> None:
    courses = service(
        "courses", subscribe(topics.COURSE_PUBLISHED, on_course_published, replay_safe=True)
    )
    assert courses.handlers == {topics.COURSE_PUBLISHED: on_course_published}
    assert courses.replay_safe == {topics.COURSE_PUBLISHED}
    assert courses.prepare == {}
    assert courses.acts_on == {}


def test_a_topic_is_subscribed_to_once() -> None:
    twice = subscribe(topics.COURSE_PUBLISHED, on_course_published)
    with pytest.raises(ValueError, match="twice"):
        service("courses", twice, twice)


def test_subscribing_a_handler_to_another_models_topic_is_a_type_error(tmp_path: Path) -> None:
    snippet = tmp_path / "wrong_topic.py"
    snippet.write_text(
        textwrap.dedent(
            """
            from collections.abc import Sequence

            from azora.consume.service import subscribe
            from azora.consume.unit_of_work import UnitOfWork
            from azora.messages import Event
            from schemas import catalogue as topics
            from schemas.learning import CoursePublished


            async def on_course(events: Sequence[Event[CoursePublished]], uow: UnitOfWork) -> None:
                return None


            subscribe(topics.COURSE_PUBLISHED, on_course)
            subscribe(topics.USER_REGISTERED, on_course)
            """
        )
    )
    out, _, status = mypy.run(["--config-file", str(ROOT / "pyproject.toml"), str(snippet)])
    assert status == 1, out
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert len(errors) == 1, out
    assert "wrong_topic.py:16:" in errors[0], "the right topic passes; the wrong one fails"
    assert "Event[UserRegistered]" in errors[0], out
