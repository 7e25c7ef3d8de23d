"""Both clients cover the API: every operation of the OpenAPI document has a method in the
Python client and in the TypeScript client, and neither names an operation the API lacks."""

from __future__ import annotations

import re
from typing import Any

import pytest

from stack.client import AzoraClient, operations_of
from stack.openapi import document
from tests.support.typescript import CLIENT

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def operation_ids() -> set[str]:
    openapi: dict[str, Any] = document()
    return {
        operation["operationId"]
        for item in openapi["paths"].values()
        for method, operation in item.items()
        if method in METHODS
    }


def typescript_methods() -> set[str]:
    """The keys of the table `operationMethods` returns (clients/typescript/src/operations.ts)."""
    source = (CLIENT / "src" / "operations.ts").read_text(encoding="utf-8")
    table = re.search(r"\n  return \{\n(.*?)\n  \} satisfies", source, re.DOTALL)
    assert table is not None, "operations.ts no longer has the `return {...} satisfies` table"
    return set(re.findall(r"^    (\w+): ", table.group(1), re.MULTILINE))


def test_every_operation_has_a_method_in_the_python_client(operation_ids: set[str]) -> None:
    missing = sorted(operation_ids - set(operations_of(AzoraClient)))
    assert missing == [], f"add @operation(...) methods to stack/client/methods/: {missing}"


def test_every_operation_has_a_method_in_the_typescript_client(operation_ids: set[str]) -> None:
    missing = sorted(operation_ids - typescript_methods())
    assert missing == [], f"add them to clients/typescript/src/operations.ts: {missing}"


def test_no_client_method_names_an_operation_the_api_lacks(operation_ids: set[str]) -> None:
    assert sorted(set(operations_of(AzoraClient)) - operation_ids) == []
    assert sorted(typescript_methods() - operation_ids) == []


def test_each_python_method_is_marked_for_one_operation_only() -> None:
    marked = operations_of(AzoraClient)
    assert len(set(marked.values())) == len(marked)
