"""The tutor asks the model for learning paths with a schema OpenAI accepts in strict mode,
and the test model server refuses the schemas OpenAI documents it would refuse."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from consumers.tutor.rules import path_format
from tests.support.strict_schema import strict_schema_errors

COMPLIANT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "tags", "note"],
    "properties": {
        "title": {"type": "string", "description": "a heading"},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        "note": {"type": ["string", "null"]},
    },
}


def broken(change: str) -> dict[str, Any]:
    schema = copy.deepcopy(COMPLIANT)
    properties = schema["properties"]
    if change == "additionalProperties left open":
        del schema["additionalProperties"]
    elif change == "an optional field":
        schema["required"].remove("note")
    elif change == "a default":
        properties["tags"]["default"] = []
    elif change == "a string length":
        properties["title"]["minLength"] = 1
    elif change == "an unknown format":
        properties["title"]["format"] = "uri"
    elif change == "oneOf":
        properties["note"] = {"oneOf": [{"type": "string"}, {"type": "null"}]}
    return schema


def nested(depth: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(depth):
        schema = {
            "type": "object",
            "additionalProperties": False,
            "required": ["inner"],
            "properties": {"inner": schema},
        }
    return schema


def test_the_tutors_learning_path_schema_is_one_openai_accepts_in_strict_mode() -> None:
    response_format = path_format()
    assert response_format["json_schema"]["strict"] is True
    assert strict_schema_errors(response_format["json_schema"]["schema"]) == []


def test_a_schema_within_the_documented_subset_is_accepted() -> None:
    assert strict_schema_errors(COMPLIANT) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("additionalProperties left open", "'additionalProperties' is required"),
        ("an optional field", "Missing 'note'"),
        ("a default", "'default' is not permitted"),
        ("a string length", "'minLength' is not permitted"),
        ("an unknown format", "format 'uri' is not supported"),
        ("oneOf", "'oneOf' is not permitted"),
    ],
)
def test_a_schema_outside_the_documented_subset_is_refused_with_the_reason(
    change: str, reason: str
) -> None:
    errors = strict_schema_errors(broken(change))
    assert any(reason in error for error in errors), errors


def test_the_root_must_be_an_object() -> None:
    assert strict_schema_errors({"anyOf": [COMPLIANT]})


def test_ten_levels_of_nesting_pass_and_eleven_do_not() -> None:
    assert strict_schema_errors(nested(9)) == []
    assert any("exceeds limit of 10" in e for e in strict_schema_errors(nested(11)))
