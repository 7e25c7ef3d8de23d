"""The test model server answers the official SDK as OpenAI would: a strict structured-output
schema outside OpenAI's documented subset is a 400, a compliant one is served."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest

from consumers.tutor.rules import path_format
from tests.support.model_server import ModelServer


@pytest.fixture(scope="module")
def server() -> Iterator[ModelServer]:
    running = ModelServer().start()
    yield running
    running.stop()


def ask(server: ModelServer, response_format: dict[str, Any]) -> str | None:
    client = openai.OpenAI(api_key="test-model-server", base_url=server.base_url, max_retries=0)
    reply = client.chat.completions.create(
        model="fake-tutor-1",
        messages=[{"role": "user", "content": "a path, please"}],
        response_format=response_format,  # type: ignore[arg-type]
    )
    return reply.choices[0].message.content


def test_the_tutors_path_format_is_served(server: ModelServer) -> None:
    assert ask(server, path_format())


def test_a_strict_schema_with_an_optional_field_is_refused_as_openai_refuses_it(
    server: ModelServer,
) -> None:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"steps": {"type": "array", "items": {"type": "string"}, "default": []}},
        "required": [],
    }
    with pytest.raises(openai.BadRequestError) as refused:
        ask(
            server,
            {"type": "json_schema", "json_schema": {"name": "p", "schema": schema, "strict": True}},
        )
    assert refused.value.status_code == 400
    assert "Invalid schema for response_format 'p'" in str(refused.value)
