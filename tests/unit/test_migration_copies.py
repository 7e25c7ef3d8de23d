"""A migration changes every copy of a read model, live and shadow, with one DO-block."""

from __future__ import annotations

import pytest

from azora.databases import SPINE
from azora.migrate import EVERY_SCHEMA
from azora.migration_copies import on_every_copy
from azora.migration_schemas import runs_in

STATEMENT = "ALTER TABLE %1$I.payments ADD COLUMN paid bigint"

EXPECTED = """
DO $$
DECLARE target text;
BEGIN
    FOR target IN
        SELECT 'read' UNION ALL
        SELECT shadow FROM azora.projection_versions
        WHERE projection = 'payment_views' AND state = 'building'
          AND to_regclass(format('%I.payments', shadow)) IS NOT NULL
    LOOP
        EXECUTE format($sql$ALTER TABLE %1$I.payments ADD COLUMN paid bigint$sql$, target);
    END LOOP;
END $$
"""


def test_the_block_runs_the_statement_on_read_and_on_each_shadow_that_has_the_table() -> None:
    assert on_every_copy("payment_views", "payments", STATEMENT) == EXPECTED


def test_the_schema_comment_comes_first_when_asked_for() -> None:
    block = on_every_copy("payment_views", "payments", STATEMENT, schema_comment=True)

    assert block == "\n-- schema: read" + EXPECTED


@pytest.mark.parametrize("schema_comment", [False, True])
def test_the_block_runs_in_the_read_models_pass_only(schema_comment: bool) -> None:
    block = on_every_copy("users", "credentials", STATEMENT, schema_comment=schema_comment)

    passes = [s for s in (SPINE, *EVERY_SCHEMA) if runs_in(block.strip(), s)]
    assert passes == ["read"]


@pytest.mark.parametrize(
    "name",
    [
        "users'; DROP TABLE read.users; --",
        "read.payments",
        "Users",
        "two words",
        "",
        "1st",
        "x" * 64,
    ],
)
def test_a_projection_that_is_not_a_plain_identifier_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="projection must be a plain"):
        on_every_copy(name, "payments", STATEMENT)


@pytest.mark.parametrize("name", ["payments)", "%I.payments", "payments', shadow) --", "Payments"])
def test_a_probe_table_that_is_not_a_plain_identifier_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="probe table must be a plain"):
        on_every_copy("payment_views", name, STATEMENT)


def test_a_statement_that_would_close_its_dollar_quote_is_refused() -> None:
    with pytest.raises(ValueError, match=r"may not contain \$sql\$"):
        on_every_copy("payment_views", "payments", "SELECT 1$sql$, 'x'); DROP TABLE read.users; --")
