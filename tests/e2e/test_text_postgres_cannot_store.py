"""Text Postgres cannot store (a NUL) is refused at the door of the running stack, with a
422 naming the field, whichever way the ingress takes the request; nothing is published,
so nothing can stall a consumer."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.e2e.helpers import PASSWORD, a_course, a_user, an_email, outcome

pytestmark = pytest.mark.e2e

# The fast path takes a JSON body it can answer exactly; a media type parameter sends the
# same body on to FastAPI's routes (see producers/ingress/fast_path.py).
WAYS = {
    "fast path": "application/json",
    "FastAPI's routes": "application/json; charset=utf-8",
}


async def post(
    http: httpx.AsyncClient, path: str, body: Any, content_type: str, **headers: str
) -> httpx.Response:
    return await http.post(
        path,
        content=json.dumps(body).encode(),
        headers={"Content-Type": content_type, **headers},
    )


def refusal(answer: httpx.Response) -> tuple[int, str, list[Any]]:
    problem = answer.json()
    return answer.status_code, answer.headers["content-type"], problem["errors"][0]["loc"]


async def test_a_registration_with_a_nul_in_its_display_name_is_refused_naming_the_field(
    http: httpx.AsyncClient,
) -> None:
    email = an_email()
    body = {"email": email, "password": PASSWORD, "display_name": "a\u0000b"}

    answers = {way: await post(http, "/v1/auth/register", body, kind) for way, kind in WAYS.items()}

    for way, answer in answers.items():
        assert refusal(answer) == (422, "application/problem+json", ["body", "display_name"]), way
    assert answers["fast path"].json() == answers["FastAPI's routes"].json()
    # Nothing was published: the address is still free, and a clean registration of it works.
    clean = await post(http, "/v1/auth/register", {**body, "display_name": "ab"}, WAYS["fast path"])
    assert clean.status_code == 202
    assert (await outcome(http, clean))["status"] == "succeeded"


async def test_a_nul_deep_in_a_course_or_in_a_question_is_refused_naming_the_field(
    http: httpx.AsyncClient,
) -> None:
    _, auth = await a_user(http)
    course = a_course("Nul")
    course["modules"][0]["lessons"][0]["content"] = "line one\u0000line two"
    question = {"question": "What is \u0000?"}

    for way, kind in WAYS.items():
        asked = await post(http, "/v1/tutor/questions", question, kind, **auth)
        assert refusal(asked) == (422, "application/problem+json", ["body", "question"]), way
        published = await post(http, "/v1/courses", course, kind, **auth)
        # A student may not publish, but the body is read first: its fault comes first.
        assert published.status_code == 422, way
        assert published.json()["errors"][0]["loc"] == [
            "body",
            "modules",
            0,
            "lessons",
            0,
            "content",
        ], way
