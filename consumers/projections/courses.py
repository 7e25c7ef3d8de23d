"""The courses projection: `read.courses`, browsable by category and level, searchable."""

from __future__ import annotations

import json
from collections.abc import Sequence

from azora.consume.service import service, subscribe
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from schemas import catalogue as topics
from schemas.learning import CoursePublished

INSERT = """
INSERT INTO courses (course_id, instructor_id, title, description, category, level,
                          price_minor, currency, modules, published_at)
SELECT t.course_id, t.instructor_id, t.title, t.description, t.category, t.level,
       t.price_minor, t.currency, t.modules::jsonb, t.published_at
FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[],
            $7::bigint[], $8::text[], $9::text[], $10::timestamptz[])
     AS t(course_id, instructor_id, title, description, category, level, price_minor,
          currency, modules, published_at)
ON CONFLICT DO NOTHING
"""


async def on_course_published(events: Sequence[Event[CoursePublished]], uow: UnitOfWork) -> None:
    """Add each published course."""
    courses = [e.payload for e in events]
    await uow.conn.execute(
        INSERT,
        [c.course_id for c in courses],
        [c.instructor_id for c in courses],
        [c.title for c in courses],
        [c.description for c in courses],
        [c.category for c in courses],
        [c.level for c in courses],
        [c.price_minor for c in courses],
        [c.currency for c in courses],
        [json.dumps(c.model_dump(mode="json")["modules"]) for c in courses],
        [c.published_at for c in courses],
    )


COURSES = service(
    "courses",
    # Insert-if-absent of an immutable fact.
    subscribe(topics.COURSE_PUBLISHED, on_course_published, replay_safe=True),
    tables=("courses",),
)
