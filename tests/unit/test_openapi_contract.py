"""The OpenAPI document is one a client generator loves: every operation has a stable,
readable id written down once, an example of its request that the app accepts, and every
error it can answer documented as a problem document."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator, FormatChecker

from producers.ingress.app import routes
from producers.ingress.operation_ids import OPERATION_IDS, operation_id
from producers.ingress.problems import PROBLEM_JSON, PROBLEM_SCHEMA_REF
from producers.ingress.tokens import TokenService
from tests.support.ingress_app import RecordingTransport, in_memory_client
from tests.support.raised_problems import raised_statuses
from tests.support.secrets import random_secret_key

METHODS = {"get", "post", "put", "patch", "delete"}
SECRET = random_secret_key()
# Answers that are not problem documents, on purpose: readiness says which check failed.
OWN_ERROR_BODIES = {("checkReadiness", "503")}


@pytest.fixture(scope="module")
def client() -> TestClient:
    return in_memory_client(RecordingTransport(), SECRET)


@pytest.fixture(scope="module")
def document(client: TestClient) -> dict[str, Any]:
    served: dict[str, Any] = client.get("/openapi.json").json()
    return served


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def by_id(document: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {op["operationId"]: (method, path, op) for method, path, op in operations(document)}


def test_every_operation_has_a_written_down_camel_case_id(document: dict[str, Any]) -> None:
    unnamed = [
        f"{method} {path}"
        for method, path, operation in operations(document)
        if not re.fullmatch(r"[a-z][A-Za-z]*", operation["operationId"])
        or (method, path) not in OPERATION_IDS
    ]
    assert unnamed == [], f"add these to producers/ingress/operation_ids.py: {unnamed}"


def test_operation_ids_are_unique(document: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(document)]
    assert len(ids) == len(set(ids))


def test_every_operation_with_a_body_or_parameters_has_an_example_of_each(
    document: dict[str, Any],
) -> None:
    missing = [
        f"{op['operationId']}: {what}"
        for _, _, op in operations(document)
        for what in (
            *(["body"] if "requestBody" in op and not _body_example(op) else []),
            *(p["name"] for p in op.get("parameters", []) if "examples" not in p),
        )
    ]
    assert missing == [], f"add examples to producers/ingress/openapi_examples.py: {missing}"


def test_every_example_validates_against_its_own_schema(document: dict[str, Any]) -> None:
    invalid = []
    for _, _, op in operations(document):
        for name, schema, value in _examples(op):
            validator = Draft202012Validator(
                {"allOf": [schema], "components": document["components"]},
                format_checker=FormatChecker(),
            )
            invalid += [
                f"{op['operationId']} {name}: {e.message}" for e in validator.iter_errors(value)
            ]
    assert invalid == []


def test_the_app_takes_every_example_without_a_validation_error(
    client: TestClient, document: dict[str, Any]
) -> None:
    token = TokenService(SECRET, 900, 3600).issue(
        uuid.uuid4(), ("student", "instructor", "admin"), uuid.uuid4(), 1
    )
    refused = {}
    for method, path, op in operations(document):
        if not _examples(op):
            continue
        answer = client.request(method, **_request(path, op, token.access_token))
        if answer.status_code == 422:
            refused[op["operationId"]] = answer.json()
    assert refused == {}


def test_every_error_an_operation_can_answer_is_documented(document: dict[str, Any]) -> None:
    operations_by_id = by_id(document)
    undocumented = {}
    for route in routes():
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        _, _, op = operations_by_id[operation_id(route)]
        can_answer = raised_statuses(route) | {500}
        if "requestBody" in op:
            can_answer |= {413, 422}
        if op.get("parameters"):
            can_answer.add(422)
        if op.get("security"):
            can_answer.add(401)
        missing = sorted(can_answer - {int(s) for s in op["responses"]})
        if missing:
            undocumented[op["operationId"]] = missing
    assert undocumented == {}, "document these with problems.documented(...)"


def test_every_documented_error_is_a_problem_document(document: dict[str, Any]) -> None:
    not_problems = [
        f"{op['operationId']} {status}: {sorted(answer.get('content', {}))}"
        for _, _, op in operations(document)
        for status, answer in op["responses"].items()
        if int(status) >= 400
        and (op["operationId"], status) not in OWN_ERROR_BODIES
        and answer.get("content") != {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}}
    ]
    assert not_problems == []


def test_no_operation_documents_an_error_it_cannot_answer(document: dict[str, Any]) -> None:
    """A body limit on a GET, or a 422 where nothing is read, would mislead a client."""
    misleading = [
        f"{op['operationId']} {status}"
        for _, _, op in operations(document)
        for status in op["responses"]
        if (status == "413" and "requestBody" not in op)
        or (status == "422" and "requestBody" not in op and not op.get("parameters"))
    ]
    assert misleading == []


def _body_example(op: dict[str, Any]) -> Any:
    media = op["requestBody"]["content"].get("application/json", {})
    return media.get("examples", {}).get("example", {}).get("value")


def _examples(op: dict[str, Any]) -> list[tuple[str, dict[str, Any], Any]]:
    """(name, schema, value) of each example the operation carries."""
    found = []
    if "requestBody" in op and _body_example(op) is not None:
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        found.append(("body", schema, _body_example(op)))
    for parameter in op.get("parameters", []):
        if "examples" in parameter:
            value = parameter["examples"]["example"]["value"]
            found.append((parameter["name"], parameter["schema"], value))
    return found


def _request(path: str, op: dict[str, Any], access_token: str) -> dict[str, Any]:
    """The example as a TestClient request: path, query, headers and body."""
    values = {
        p["name"]: (p["in"], p["examples"]["example"]["value"]) for p in op.get("parameters", [])
    }
    url = path.format(**{name: v for name, (where, v) in values.items() if where == "path"})
    headers = {name: str(v) for name, (where, v) in values.items() if where == "header"}
    headers["Authorization"] = f"Bearer {access_token}"
    body = _body_example(op) if "requestBody" in op else None
    return {
        "url": url,
        "params": {name: v for name, (where, v) in values.items() if where == "query"},
        "headers": {**headers, "Content-Type": "application/json"} if body is not None else headers,
        "content": json.dumps(body) if body is not None else None,
    }
