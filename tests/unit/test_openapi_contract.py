"""The OpenAPI document is one a client generator loves: every operation has a stable,
readable id written down once."""

from __future__ import annotations

import re
from typing import Any

import pytest

from producers.ingress.operation_ids import OPERATION_IDS
from tests.support.ingress_app import RecordingTransport, in_memory_app
from tests.support.secrets import random_secret_key

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    openapi: dict[str, Any] = in_memory_app(RecordingTransport(), random_secret_key()).openapi()
    return openapi


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


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
