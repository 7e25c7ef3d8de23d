"""Courses over HTTP: an operator grants a role, an instructor publishes, everyone browses."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from tests.e2e.helpers import (
    PASSWORD,
    a_course,
    a_published_course,
    a_user,
    an_admin,
    an_email,
    an_enrolled_learner,
    an_instructor,
    bearer,
    outcome,
    register,
)
from tests.support.world import World

pytestmark = pytest.mark.e2e


async def test_an_instructor_publishes_a_course_that_everyone_can_find_and_read(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool
) -> None:
    auth = await an_instructor(http, stack_world, db)
    word = f"kafkology{uuid.uuid4().hex[:8]}"
    accepted = await http.post("/v1/courses", headers=auth, json=a_course(f"Event logs {word}"))
    assert accepted.status_code == 202
    settled = await outcome(http, accepted)
    assert settled["status"] == "succeeded"
    course_id = accepted.json()["course_id"]
    assert settled["links"] == {"course": f"/v1/courses/{course_id}"}

    found = (await http.get("/v1/courses", params={"q": word})).json()["items"]
    assert [c["course_id"] for c in found] == [course_id]
    filtered = (
        await http.get(
            "/v1/courses", params={"q": word, "category": "engineering", "level": "beginner"}
        )
    ).json()["items"]
    assert len(filtered) == 1
    assert (await http.get("/v1/courses", params={"q": word, "level": "advanced"})).json()[
        "items"
    ] == []

    course = (await http.get(f"/v1/courses/{course_id}")).json()
    assert [m["title"] for m in course["modules"]] == ["Logs", "Consumers"]
    assert [lesson["title"] for lesson in course["modules"][0]["lessons"]] == [
        "What a log is",
        "Offsets",
    ]
    assert all(uuid.UUID(lesson["lesson_id"]) for m in course["modules"] for lesson in m["lessons"])
    assert course["price_minor"] == 3000


async def test_only_instructors_publish_courses(http: httpx.AsyncClient) -> None:
    email = an_email()
    await outcome(http, await register(http, email))
    student = bearer(await http.post("/v1/auth/login", json={"email": email, "password": PASSWORD}))
    answer = await http.post("/v1/courses", headers=student, json=a_course("Not mine to publish"))
    assert answer.status_code == 403
    assert answer.json()["type"] == "/problems/forbidden"
    assert (await http.post("/v1/courses", json=a_course("Anonymous"))).status_code == 401


async def test_a_course_without_lessons_is_refused_with_the_field_named(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool
) -> None:
    auth = await an_instructor(http, stack_world, db)
    answer = await http.post(
        "/v1/courses", headers=auth, json=a_course("Empty", modules=[{"title": "M", "lessons": []}])
    )
    assert answer.status_code == 422
    assert any(e["loc"][:2] == ["body", "modules"] for e in answer.json()["errors"])


async def test_an_unknown_course_is_404(http: httpx.AsyncClient) -> None:
    assert (await http.get(f"/v1/courses/{uuid.uuid4()}")).status_code == 404


def lessons(course: dict[str, Any]) -> list[dict[str, Any]]:
    return [lesson for module in course["modules"] for lesson in module["lessons"]]


async def test_a_paid_course_shows_anonymous_and_not_enrolled_callers_only_its_outline(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool
) -> None:
    course_id, _ = await a_published_course(http, stack_world, db, price_minor=4200)
    _, stranger = await a_user(http)
    for headers in ({}, stranger):
        answer = await http.get(f"/v1/courses/{course_id}", headers=headers)
        assert answer.status_code == 200, answer.text
        course = answer.json()
        assert course["price_minor"] == 4200
        assert [m["title"] for m in course["modules"]] == ["Logs", "Consumers"]
        assert [lesson["title"] for lesson in lessons(course)] == [
            "What a log is",
            "Offsets",
            "Groups",
        ]
        assert all("content" not in lesson for lesson in lessons(course)), course
        assert "An ordered" not in answer.text


async def test_an_enrolled_learner_the_instructor_and_an_admin_read_the_lessons(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool
) -> None:
    course_id, instructor = await a_published_course(http, stack_world, db, price_minor=1500)
    _, learner = await an_enrolled_learner(http, stack_world, course_id, 1500)
    admin = await an_admin(http, stack_world, db)
    for headers in (learner, instructor, admin):
        course = (await http.get(f"/v1/courses/{course_id}", headers=headers)).json()
        assert [lesson.get("content") for lesson in lessons(course)] == [
            "An ordered…",
            "A position…",
            "Members…",
        ]


async def test_a_course_asked_for_with_an_invalid_token_is_401_not_a_silent_outline(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool
) -> None:
    course_id, _ = await a_published_course(http, stack_world, db)
    answer = await http.get(
        f"/v1/courses/{course_id}", headers={"Authorization": "Bearer not-a-jwt"}
    )
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
