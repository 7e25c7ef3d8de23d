"""The TypeScript client is generated from the app as it is, and typechecks.

Its generated part is committed (a browser app builds from it without Python): these fail
when it is stale. `make ts-client` regenerates it; `make ts-deps` installs the tools.
"""

from __future__ import annotations

from pathlib import Path

from stack.openapi import as_text, document
from tests.support.typescript import CLIENT, run_tool

STALE = "the TypeScript client is stale: run `make ts-client` and commit the result"


def test_the_committed_openapi_document_is_the_one_the_app_serves() -> None:
    committed = (CLIENT / "openapi.json").read_text(encoding="utf-8")
    assert committed == as_text(document()), STALE


def test_the_generated_types_are_those_of_the_committed_document(tmp_path: Path) -> None:
    fresh = tmp_path / "schema.ts"
    run_tool("openapi-typescript", "openapi.json", "--output", str(fresh))
    committed = CLIENT / "src" / "generated" / "schema.ts"
    assert committed.read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8"), STALE


def test_the_typescript_client_typechecks() -> None:
    run_tool("tsc", "--noEmit", "-p", ".")
