"""Course endpoints: instructors publish; everyone browses, filters and searches.

The outline of a course (titles, modules, lessons' titles, price) is public; a lesson's
content is for those who paid for it or teach it: learners with a confirmed enrolment, the
course's instructor, and admins.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response

from producers.ingress import queries
from producers.ingress.auth import Ctx, CurrentUser, bearer_claims
from producers.ingress.bus import derived_id
from producers.ingress.commands import accepted, submit
from producers.ingress.problems import PROBLEM_RESPONSES, Problem, documented
from producers.ingress.query_text import text_query
from producers.ingress.tokens import AccessClaims
from schemas.api import Course, CourseAccepted, CoursePage, CourseRequest, CourseSummary
from schemas.learning import CoursePublishRequested, Lesson, Level, Module

router = APIRouter(prefix="/v1/courses", tags=["learning"], responses=PROBLEM_RESPONSES)

COLUMNS = """course_id, instructor_id, title, description, category, level, price_minor,
             currency, published_at"""
BROWSE = f"""
SELECT {COLUMNS} FROM read.courses
WHERE ($1::text IS NULL OR category = $1)
  AND ($2::text IS NULL OR level = $2)
  AND ($3::text IS NULL OR search @@ websearch_to_tsquery('simple', $3))
ORDER BY CASE WHEN $3::text IS NULL THEN 0
              ELSE ts_rank(search, websearch_to_tsquery('simple', $3)) END DESC,
         published_at DESC, course_id
LIMIT $4 OFFSET $5
"""
ONE = f"SELECT {COLUMNS}, modules FROM read.courses WHERE course_id = $1"
# An active enrolment: confirmed (a revoked or pending one gives no access).
ENROLLED = """
SELECT EXISTS (SELECT 1 FROM read.enrollments
               WHERE user_id = $1 AND course_id = $2 AND status = 'confirmed')
"""


@router.post(
    "",
    status_code=202,
    response_model=CourseAccepted,
    responses={403: documented("Only instructors publish courses")},
)
async def publish(
    body: CourseRequest,
    user: CurrentUser,
    ctx: Ctx,
    response: Response,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> dict[str, Any]:
    """Publish a course (instructors only)."""
    if "instructor" not in user.roles:
        raise Problem(
            403,
            "forbidden",
            "Only instructors publish courses",
            "ask an admin to grant you the instructor role",
        )

    async def build(command_id: uuid.UUID) -> CoursePublishRequested:
        return course_request(body, derived_id(command_id, "course"), user.user_id)

    command_id = await submit(
        ctx,
        route="courses.publish",
        actor=str(user.user_id),
        request=body,
        idempotency_key=idempotency_key,
        build=build,
    )
    return accepted(response, command_id, course_id=derived_id(command_id, "course"))


@router.get("", response_model=CoursePage)
async def browse(
    ctx: Ctx,
    category: Annotated[str | None, text_query(100)] = None,
    level: Level | None = None,
    q: Annotated[str | None, text_query(200, "Words to search for")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> CoursePage:
    """Published courses, filtered by category and level, searched by title and description."""
    rows = await queries.fetch_all(ctx, BROWSE, category, level, q or None, limit, offset)
    return CoursePage(items=[CourseSummary(**dict(row)) for row in rows])


@router.get(
    "/{course_id}",
    response_model=Course,
    # `content` is left out, not null, where the caller may not read it.
    response_model_exclude_none=True,
    responses={
        401: documented("An Authorization header was sent, but its token is not valid"),
        404: documented("Not found"),
    },
)
async def course(course_id: uuid.UUID, request: Request, ctx: Ctx) -> Course:
    """One course with its modules and lessons: the outline for everyone, each lesson's
    `content` only for enrolled learners, the course's instructor and admins.

    The route is public, so no security scheme is declared; send `Authorization: Bearer
    <access token>` to be recognised.
    """
    # A token that is sent must be valid (401 otherwise): silently answering the outline
    # would hide an expired token behind missing content.
    authorization = request.headers.get("authorization")
    caller = bearer_claims(ctx.tokens, authorization) if authorization else None
    row = await queries.fetch_one(ctx, ONE, course_id)
    if row is None:
        raise Problem(404, "not_found", "Course not found", "no published course with this id")
    course = Course(**dict(row))
    if await _may_read_content(ctx, caller, row["instructor_id"], course_id):
        return course
    return outline(course)


async def _may_read_content(
    ctx: Ctx, caller: AccessClaims | None, instructor_id: uuid.UUID, course_id: uuid.UUID
) -> bool:
    if caller is None:
        return False
    if "admin" in caller.roles or caller.user_id == instructor_id:
        return True
    enrolled = await queries.fetch_one(ctx, ENROLLED, caller.user_id, course_id)
    return bool(enrolled and enrolled[0])


def outline(course: Course) -> Course:
    """`course` without any lesson's content."""
    modules = [
        module.model_copy(
            update={
                "lessons": [
                    lesson.model_copy(update={"content": None}) for lesson in module.lessons
                ]
            }
        )
        for module in course.modules
    ]
    return course.model_copy(update={"modules": modules})


def course_request(
    body: CourseRequest, course_id: uuid.UUID, instructor_id: uuid.UUID
) -> CoursePublishRequested:
    """The command for `body`, with module and lesson ids derived from the course id."""
    modules = tuple(
        Module(
            module_id=uuid.uuid5(course_id, f"module-{m}"),
            title=module.title,
            lessons=tuple(
                Lesson(
                    lesson_id=uuid.uuid5(course_id, f"lesson-{m}-{n}"),
                    title=lesson.title,
                    content=lesson.content,
                )
                for n, lesson in enumerate(module.lessons)
            ),
        )
        for m, module in enumerate(body.modules)
    )
    return CoursePublishRequested(
        course_id=course_id,
        instructor_id=instructor_id,
        title=body.title,
        description=body.description,
        category=body.category,
        level=body.level,
        price_minor=body.price_minor,
        currency=body.currency,
        modules=modules,
    )
