"""A rolling upgrade on the real broker: events written by the next contract version (new
optional fields at every depth, a new envelope field, a new value of an extensible enum)
are applied by today's consumers, while today's code still writes only what it knows."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
import pytest

from azora.messages import build_envelope, message_key
from consumers.projections.courses import COURSES
from consumers.projections.wallet import WALLET_VIEWS
from schemas import catalogue
from schemas.envelope import utcnow
from schemas.learning import CoursePublished, Lesson, Module
from schemas.topic import TopicSpec
from schemas.wallet import WalletCredited
from tests.support.world import World, eventually, running

pytestmark = pytest.mark.integration


def a_course() -> CoursePublished:
    lesson = Lesson(lesson_id=uuid.uuid4(), title="Functors", content="map over a box")
    return CoursePublished(
        course_id=uuid.uuid4(),
        instructor_id=uuid.uuid4(),
        title="Category theory for programmers",
        description="Arrows first.",
        category="maths",
        level="advanced",
        price_minor=0,
        currency="EUR",
        modules=(Module(module_id=uuid.uuid4(), title="Basics", lessons=(lesson,)),),
        published_at=utcnow(),
    )


def a_credit() -> WalletCredited:
    return WalletCredited(
        entry_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        amount_minor=500,
        currency="EUR",
        reference=uuid.uuid4(),
        balance_after_minor=500,
        balance_version=1,
        at=utcnow(),
        reason="top_up",
    )


def as_the_next_version_writes_it(spec: TopicSpec, payload: Any, extend: Any) -> bytes:
    """Today's envelope of `payload`, with what the next contract version adds."""
    envelope = json.loads(build_envelope(spec, payload, actor="next-version").model_dump_json())
    envelope["tenant"] = "eu-1"  # a new envelope field
    extend(envelope["payload"])
    return json.dumps(envelope).encode()


def with_new_course_fields(payload: dict[str, Any]) -> None:
    payload["language"] = "en"
    payload["modules"][0]["estimated_hours"] = 3
    payload["modules"][0]["lessons"][0]["duration_minutes"] = 12
    payload["modules"][0]["lessons"][0]["media"] = {"kind": "video", "seconds": 720}


def with_a_new_reason(payload: dict[str, Any]) -> None:
    payload["reason"] = "promotion"  # a value today's contract does not know
    payload["campaign"] = {"code": "WINTER", "ends": "2027-01-01"}


async def test_todays_consumers_apply_events_written_by_the_next_contract_version(
    world: World, db: asyncpg.Pool
) -> None:
    course = a_course()
    credit = a_credit()
    course_spec, credit_spec = catalogue.COURSE_PUBLISHED, catalogue.WALLET_CREDITED
    await world.produce(
        [
            (
                course_spec,
                message_key(course_spec, course),
                as_the_next_version_writes_it(course_spec, course, with_new_course_fields),
            ),
            (
                credit_spec,
                message_key(credit_spec, credit),
                as_the_next_version_writes_it(credit_spec, credit, with_a_new_reason),
            ),
        ]
    )

    async def applied() -> bool:
        published = await db.fetchval(
            "SELECT title FROM read.courses WHERE course_id = $1", course.course_id
        )
        reason = await db.fetchval(
            "SELECT reason FROM read.wallet_transactions WHERE entry_id = $1", credit.entry_id
        )
        return published == course.title and reason == "promotion"

    # Applied, so not dead-lettered: a record that fails to decode is never applied.
    async with running(world, COURSES, WALLET_VIEWS, relay=False):
        await eventually(applied)


def test_todays_code_still_writes_only_what_it_knows() -> None:
    with pytest.raises(ValueError, match="reason"):
        WalletCredited.model_validate(a_credit().model_dump() | {"reason": "promotion"})
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        WalletCredited.model_validate(a_credit().model_dump() | {"campaign": {}})
