"""The tutor over HTTP, with the real openai SDK pointed at the suite's own model server."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from consumers.tutor.rules import MALFORMED
from tests.e2e.helpers import a_course, a_user, an_instructor, outcome
from tests.support.model_server import MODEL, ModelServer
from tests.support.world import World

pytestmark = pytest.mark.e2e


async def ask(
    http: httpx.AsyncClient, auth: dict[str, str], question: str, **about: str
) -> tuple[httpx.Response, dict[str, Any]]:
    accepted = await http.post(
        "/v1/tutor/questions", headers=auth, json={"question": question, **about}
    )
    assert accepted.status_code == 202, accepted.text
    await outcome(http, accepted)
    answer = await http.get(f"/v1/tutor/questions/{accepted.json()['question_id']}", headers=auth)
    return accepted, answer.json()


async def test_an_answer_flows_with_the_lesson_and_the_conversation_so_far(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool, model_server: ModelServer
) -> None:
    instructor = await an_instructor(http, stack_world, db)
    published = await http.post(
        "/v1/courses", headers=instructor, json=a_course("Logs for tutors", price_minor=0)
    )
    course_id = published.json()["course_id"]
    assert (await outcome(http, published))["status"] == "succeeded"
    lesson = (await http.get(f"/v1/courses/{course_id}")).json()["modules"][0]["lessons"][0]
    _, auth = await a_user(http)
    marker = uuid.uuid4().hex

    first, answered = await ask(
        http, auth, f"What is a log? {marker}", course_id=course_id, lesson_id=lesson["lesson_id"]
    )
    assert answered["status"] == "answered"
    assert answered["answer"] == f"Answer to: What is a log? {marker}"
    assert answered["model"] == MODEL
    assert answered["usage"]["tokens_in"] == 12
    assert answered["usage"]["tokens_out"] == 7
    ((_, sent),) = model_server.received(f"What is a log? {marker}")
    assert any(
        lesson["content"] in m["content"] for m in sent["messages"] if m["role"] == "system"
    ), "the prompt carries the lesson's content"

    _, followed = await ask(
        http, auth, f"And offsets? {marker}", conversation_id=first.json()["conversation_id"]
    )
    assert followed["status"] == "answered"
    ((_, sent),) = model_server.received(f"And offsets? {marker}")
    history = [(m["role"], m["content"]) for m in sent["messages"] if m["role"] != "system"]
    assert history == [
        ("user", f"What is a log? {marker}"),
        ("assistant", f"Answer to: What is a log? {marker}"),
        ("user", f"And offsets? {marker}"),
    ]


async def test_a_429_with_retry_after_is_retried_and_succeeds(
    http: httpx.AsyncClient, model_server: ModelServer
) -> None:
    _, auth = await a_user(http)
    question = f"#429 busy? {uuid.uuid4().hex}"
    _, answered = await ask(http, auth, question)
    assert answered["status"] == "answered"
    calls = model_server.received(question)
    assert len(calls) == 2
    assert calls[1][0] - calls[0][0] >= 0.9, "the retry waited for Retry-After: 1"


async def test_a_model_that_never_answers_fails_after_the_timeout_and_retries(
    http: httpx.AsyncClient, model_server: ModelServer
) -> None:
    _, auth = await a_user(http)
    question = f"#hang are you there? {uuid.uuid4().hex}"
    accepted, answered = await ask(http, auth, question)
    assert answered["status"] == "failed"
    assert answered["reason"] == "model provider unavailable after 2 attempts: timed out"
    assert len(model_server.received(question)) == 2
    settled = (await http.get(accepted.json()["status_url"])).json()
    assert settled["status"] == "rejected"


async def path(http: httpx.AsyncClient, auth: dict[str, str], subject: str) -> dict[str, Any]:
    accepted = await http.post(
        "/v1/learning-paths",
        headers=auth,
        json={"subject": subject, "level": "beginner", "goals": ["understand event logs"]},
    )
    assert accepted.status_code == 202
    await outcome(http, accepted)
    answer = await http.get(f"/v1/learning-paths/{accepted.json()['path_id']}", headers=auth)
    body: dict[str, Any] = answer.json()
    return body


async def test_a_learning_path_is_validated_and_links_only_real_courses(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool
) -> None:
    instructor = await an_instructor(http, stack_world, db)
    await outcome(
        http,
        await http.post(
            "/v1/courses", headers=instructor, json=a_course("Path material", price_minor=0)
        ),
    )
    _, auth = await a_user(http)
    drafted = await path(http, auth, f"event streaming {uuid.uuid4().hex}")
    assert drafted["status"] == "generated"
    assert [s["title"] for s in drafted["steps"]] == ["Foundations", "Practice"]
    assert drafted["steps"][1]["course_ids"] == [], "an invented course id is dropped"
    known = drafted["steps"][0]["course_ids"]
    assert len(known) == 1
    assert (await http.get(f"/v1/courses/{known[0]}")).status_code == 200


async def test_malformed_structured_output_is_retried_once_then_fails_cleanly(
    http: httpx.AsyncClient, model_server: ModelServer
) -> None:
    _, auth = await a_user(http)
    once = f"#malformed-once {uuid.uuid4().hex}"
    assert (await path(http, auth, once))["status"] == "generated"
    assert len(model_server.received(once)) == 2
    always = f"#malformed {uuid.uuid4().hex}"
    failed = await path(http, auth, always)
    assert failed["status"] == "failed"
    assert failed["reason"] == MALFORMED
    assert len(model_server.received(always)) == 2


async def test_the_question_quota_answers_429_past_its_limit(http: httpx.AsyncClient) -> None:
    _, auth = await a_user(http)
    for n in range(5):
        await ask(http, auth, f"question {n} {uuid.uuid4().hex}")
    over = await http.post("/v1/tutor/questions", headers=auth, json={"question": "one more"})
    assert over.status_code == 429
    assert over.json()["type"] == "/problems/quota_exceeded"
    assert 1 <= int(over.headers["Retry-After"]) <= 3600


async def test_readiness_reports_the_tutor(http: httpx.AsyncClient) -> None:
    assert (await http.get("/readyz")).json()["tutor"] == "ok"
