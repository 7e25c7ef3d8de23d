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


# The one exception: a password (a TOTP code) is checked against its hash (its secret),
# which no event may carry, so no read model holds it; identity keeps them, and the
# ingress reads just those two tables.
SECRETS_CHECK = "producers.ingress.credential_store.SECRETS"


def test_the_ingress_reads_only_the_read_models_and_identitys_credentials() -> None:
    found = dict(statements("producers.ingress"))

    assert len(found) > 10
    assert {name for name, sql in found.items() if schemas_named(sql) - {"read"}} == {SECRETS_CHECK}
    assert schemas_named(found[SECRETS_CHECK]) == {"identity"}
    assert "identity.credentials" in found[SECRETS_CHECK]
    assert "identity.mfa" in found[SECRETS_CHECK]
