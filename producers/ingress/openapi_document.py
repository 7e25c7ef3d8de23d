"""The OpenAPI document as a client generator needs it, refined from what FastAPI generates.

- Every error answer is `application/problem+json` with the `ProblemDocument` schema (FastAPI
  would list the schema under `application/json`, which the ingress never answers errors as).
- The errors every router declares (`problems.PROBLEM_RESPONSES`) stay only on the operations
  they can happen to: 401 where a token is required, 413 where a body is read, 422 where
  there is input; 500 is on every operation.
- Each operation with a body or parameters carries its example (`openapi_examples`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from producers.ingress.openapi_examples import EXAMPLES, RequestExample
from producers.ingress.problems import APPLIES, PROBLEM_JSON, PROBLEM_SCHEMA_REF

METHODS = ("get", "put", "post", "patch", "delete")
INTERNAL_ERROR = {"description": "Internal error: a fault on our side, logged with the request"}


def install(app: FastAPI) -> None:
    """Serve the refined document at /openapi.json (built once, on first request)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:  # FastAPI's own method caches what it generates
            app.openapi_schema = refined(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def refined(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with problem answers, per-operation errors and examples (changed in place)."""
    for item in document["paths"].values():
        for method in METHODS:
            operation = item.get(method)
            if operation is not None:
                _refine_responses(operation)
                example = EXAMPLES.get(operation.get("operationId", ""))
                if example is not None:
                    _add_example(operation, example)
    return document


def _applies(operation: dict[str, Any], when: str) -> bool:
    has_body = "requestBody" in operation
    return {
        "authenticated": bool(operation.get("security")),
        "body": has_body,
        "input": has_body or bool(operation.get("parameters")),
        "always": True,
    }[when]


def _refine_responses(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation["responses"]
    for status in list(responses):
        answer = responses[status]
        when = answer.pop(APPLIES, None)
        if when is not None and not _applies(operation, when):
            del responses[status]
        elif status[0] in "45" and PROBLEM_JSON in answer.get("content", {}):
            # FastAPI adds the model's schema under application/json: errors are never that.
            answer["content"] = {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}}
    responses.setdefault(
        "500",
        {
            "description": INTERNAL_ERROR["description"],
            "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}},
        },
    )


def _add_example(operation: dict[str, Any], example: RequestExample) -> None:
    if example.body is not None and "requestBody" in operation:
        for media in operation["requestBody"]["content"].values():
            media["examples"] = {"example": {"summary": example.summary, "value": example.body}}
    for parameter in operation.get("parameters", []):
        if parameter["name"] in example.params:
            parameter["examples"] = {
                "example": {"summary": example.summary, "value": example.params[parameter["name"]]}
            }
