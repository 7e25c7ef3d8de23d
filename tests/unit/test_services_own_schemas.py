"""A service's SQL names only its own schema (and the consume loop's), so each service can
keep its state in a database of its own; the ingress reads only the read models."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator

import pytest

from azora.databases import SCHEMAS, SPINE
from azora.migration_schemas import LINE_COMMENT, QUALIFIED, STRING_LITERAL

STATEMENT = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b")
SERVICES = [owner for owner in SCHEMAS if owner != "projections"]


def statements(package: str) -> Iterator[tuple[str, str]]:
    """Every SQL statement a package keeps as a module constant, by its qualified name."""
    root = importlib.import_module(package)
    for info in pkgutil.iter_modules(root.__path__, f"{package}."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str) and STATEMENT.search(value):
                yield f"{info.name}.{name}", value


def schemas_named(sql: str) -> set[str]:
    return {
        schema.lower()
        for schema, _ in QUALIFIED.findall(STRING_LITERAL.sub("''", LINE_COMMENT.sub("", sql)))
    }


@pytest.mark.parametrize("service", SERVICES)
def test_a_services_statements_name_only_its_own_schema(service: str) -> None:
    found = dict(statements(f"consumers.{service}"))

    assert found, service
    assert {
        name: schemas_named(sql) - {SCHEMAS[service], SPINE}
        for name, sql in found.items()
        if schemas_named(sql) - {SCHEMAS[service], SPINE}
    } == {}


def test_the_ingress_reads_only_the_read_models() -> None:
    # Even passwords and TOTP codes: identity seals their hashes and secrets for the
    # ingress, and the users projection keeps them in `read.credential_secrets`.
    found = dict(statements("producers.ingress"))

    assert len(found) > 10
    assert {name: schemas_named(sql) - {"read"} for name, sql in found.items()} == {
        name: set() for name in found
    }
    assert "read.credential_secrets" in found["producers.ingress.credentials.CREDENTIALS"]
