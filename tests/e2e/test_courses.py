"""Courses over HTTP: an operator grants a role, an instructor publishes, everyone browses."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import pytest

from tests.e2e.helpers import (
    PASSWORD,
    a_course,
    an_email,
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
