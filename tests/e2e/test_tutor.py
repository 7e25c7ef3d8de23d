"""The tutor over HTTP, with the real openai SDK pointed at the suite's own model server."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from consumers.tutor.rules import MALFORMED
from tests.e2e.helpers import (
    a_course,
    a_published_course,
    a_user,
    an_enrolled_learner,
    an_instructor,
    outcome,
    until,
)
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


def a_course_about(marker: str, price_minor: int) -> dict[str, Any]:
    """A course whose one lesson's text is unique to this test."""
    lesson = {"title": "What a log is", "content": f"A log is an ordered file {marker}"}
    return {"price_minor": price_minor, "modules": [{"title": "Logs", "lessons": [lesson]}]}


async def a_lesson(http: httpx.AsyncClient, course_id: str, auth: dict[str, str]) -> dict[str, Any]:
    course = (await http.get(f"/v1/courses/{course_id}", headers=auth)).json()
    lesson: dict[str, Any] = course["modules"][0]["lessons"][0]
    return lesson


def system_prompt(model_server: ModelServer, question: str) -> str:
    ((_, sent),) = model_server.received(question)
    return "\n".join(m["content"] for m in sent["messages"] if m["role"] == "system")


async def test_an_answer_flows_with_the_lesson_and_the_conversation_so_far(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool, model_server: ModelServer
) -> None:
    marker = uuid.uuid4().hex
    course_id, instructor = await a_published_course(
        http, stack_world, db, **a_course_about(marker, 900)
    )
    lesson = await a_lesson(http, course_id, instructor)
    user_id, auth = await an_enrolled_learner(http, stack_world, course_id, 900)

    async def tutor_knows_the_enrolment() -> bool:
        # The tutor learns enrolments from events: wait until it has this one.
        return bool(
            await db.fetchval(
                "SELECT count(*) FROM tutor.enrollments"
                " WHERE user_id = $1 AND status = 'confirmed'",
                user_id,
            )
        )

    assert await until(tutor_knows_the_enrolment)

    first, answered = await ask(
        http, auth, f"What is a log? {marker}", course_id=course_id, lesson_id=lesson["lesson_id"]
    )
    assert answered["status"] == "answered"
    assert answered["answer"] == f"Answer to: What is a log? {marker}"
    assert answered["model"] == MODEL
    assert answered["usage"]["tokens_in"] == 12
    assert answered["usage"]["tokens_out"] == 7
    assert lesson["content"] in system_prompt(model_server, f"What is a log? {marker}"), (
        "the prompt carries the lesson's content"
    )

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


async def test_a_question_about_a_lesson_the_asker_may_not_read_is_answered_without_its_text(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool, model_server: ModelServer
) -> None:
    marker = uuid.uuid4().hex
    course_id, instructor = await a_published_course(
        http, stack_world, db, **a_course_about(marker, 2500)
    )
    lesson = await a_lesson(http, course_id, instructor)
    _, stranger = await a_user(http)
    question = f"Tell me the lesson {marker}?"
    _, answered = await ask(
        http, stranger, question, course_id=course_id, lesson_id=lesson["lesson_id"]
    )
    assert answered["status"] == "answered"
    prompt = system_prompt(model_server, question)
    assert lesson["content"] not in prompt
    assert f"A log is an ordered file {marker}" not in prompt


async def test_questions_sent_at_once_past_the_quota_are_rejected_with_the_reason(
    http: httpx.AsyncClient, model_server: ModelServer
) -> None:
    _, auth = await a_user(http)
    marker = uuid.uuid4().hex
    questions = [f"burst {n} {marker}" for n in range(12)]
    sent = await asyncio.gather(
        *(http.post("/v1/tutor/questions", headers=auth, json={"question": q}) for q in questions)
    )
    assert all(r.status_code in (202, 429) for r in sent), [r.text for r in sent]
    accepted = [(q, r) for q, r in zip(questions, sent, strict=True) if r.status_code == 202]
    settled = [await outcome(http, r) for _, r in accepted]
    answered = [
        q for (q, _), s in zip(accepted, settled, strict=True) if s["status"] == "succeeded"
    ]
    refused = [s for s in settled if s["status"] != "succeeded"]
    assert len(answered) == 5, settled  # AZORA_TUTOR_QUESTIONS_PER_HOUR in this stack
    assert all(s["status"] == "rejected" for s in refused)
    assert all(s["reason"] == "quota exceeded: at most 5 questions an hour" for s in refused)
    # A refused question never reaches the model (the provider bills every call).
    reached = {q for q in questions if model_server.received(q)}
    assert reached == set(answered)


async def test_learning_paths_asked_for_at_once_past_the_quota_are_rejected_with_the_reason(
    http: httpx.AsyncClient,
) -> None:
    _, auth = await a_user(http)
    body = {"subject": f"streams {uuid.uuid4().hex}", "level": "beginner", "goals": ["learn"]}
    sent = await asyncio.gather(
        *(http.post("/v1/learning-paths", headers=auth, json=body) for _ in range(8))
    )
    assert all(r.status_code == 202 for r in sent)
    settled = [await outcome(http, r) for r in sent]
    assert sorted(s["status"] for s in settled) == ["rejected"] * 5 + ["succeeded"] * 3
    assert {s["reason"] for s in settled if s["status"] == "rejected"} == {
        "quota exceeded: at most 3 learning paths an hour"
    }
