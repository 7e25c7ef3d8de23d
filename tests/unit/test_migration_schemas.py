"""Each migration statement belongs to one schema, so a database gets only its owners'."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from azora.databases import SPINE
from azora.migrate import EVERY_SCHEMA, MIGRATIONS, paragraphs
from azora.migration_schemas import AmbiguousStatement, runs_in, schema_of

PASSES = (SPINE, *EVERY_SCHEMA)


@pytest.mark.parametrize(
    ("statement", "schema"),
    [
        ("CREATE TABLE wallet.ledger (entry_id uuid PRIMARY KEY)", "wallet"),
        ('ALTER TABLE "payments"."payments" ADD COLUMN refunded_minor bigint', "payments"),
        ("-- private to the tutor service\nCREATE SCHEMA IF NOT EXISTS tutor", "tutor"),
        ("DROP SCHEMA read CASCADE", "read"),
        ("CREATE INDEX enrollments_by_user ON read.enrollments (user_id)", "read"),
        # A column of read.payments named by its table, as an upsert names it.
        ("UPDATE read.payments SET rank = read.payments.rank + 1", "read"),
        ("CREATE INDEX inbox_received_at ON azora.inbox (received_at)", SPINE),
        ("INSERT INTO wallet.users SELECT * FROM azora.inbox", "wallet"),
    ],
)
def test_a_statement_belongs_to_the_schema_it_names(statement: str, schema: str) -> None:
    assert schema_of(statement) == schema
    assert [name for name in PASSES if runs_in(statement, name)] == [schema]


def test_names_in_comments_and_strings_say_nothing() -> None:
    statement = (
        "-- copies what wallet.users knows\n"
        "SELECT pg_notify('tutor.quota', '') FROM learning.courses"
    )

    assert schema_of(statement) == "learning"


def test_a_statement_naming_two_services_schemas_must_say_which_it_belongs_to() -> None:
    with pytest.raises(AmbiguousStatement, match="names learning, tutor"):
        schema_of("INSERT INTO tutor.courses SELECT course_id FROM learning.courses")


def test_the_projections_rebuild_bookkeeping_goes_with_the_read_models() -> None:
    # A `DO` block changing every copy of a read model, live and shadow, as 0011 and 0014 do
    # (here without their comment): the read models' pass runs it, after their tables exist.
    statement = (
        "DO $$ DECLARE target text; BEGIN FOR target IN SELECT 'read' UNION ALL "
        "SELECT shadow FROM azora.projection_versions LOOP "
        "EXECUTE format('ALTER TABLE %I.payments ADD COLUMN x int', target); END LOOP; END $$"
    )

    assert [name for name in PASSES if runs_in(statement, name)] == ["read"]
    assert schema_of("CREATE TABLE azora.projection_versions (projection text)") == "read"
    assert schema_of("CREATE TABLE azora.inbox (group_id text)") == SPINE


def test_a_comment_says_whose_a_statement_is_when_its_names_are_built() -> None:
    statement = "-- schema: read\nDO $$ BEGIN EXECUTE format('ALTER TABLE %I.x', 'read'); END $$"

    assert [name for name in PASSES if runs_in(statement, name)] == ["read"]
    with pytest.raises(AmbiguousStatement, match="names no schema of ours"):
        schema_of("-- schema: billing\nCREATE TABLE billing.x (id int)")


def test_look_ups_run_in_every_pass_and_unnamed_changes_once_with_the_spine() -> None:
    look_up = "SELECT to_regclass($1)"
    extension = "CREATE EXTENSION IF NOT EXISTS pgcrypto"

    assert all(runs_in(look_up, name) for name in PASSES)
    assert [name for name in PASSES if runs_in(extension, name)] == [SPINE]


def test_alembics_own_version_tables_are_kept_in_every_pass() -> None:
    for name in PASSES:
        assert runs_in(f"CREATE TABLE public.alembic_version_{name} (version_num text)", name)
        assert runs_in("UPDATE alembic_version SET version_num='0014'", name)


def test_every_statement_of_the_migrations_belongs_to_one_schema() -> None:
    owners: dict[str, int] = dict.fromkeys(PASSES, 0)
    for path in sorted((MIGRATIONS / "versions").glob("0*.py")):
        module = importlib.import_module(f"azora.migrations.versions.{Path(path).stem}")
        for script in (getattr(module, "UPGRADE", ""), getattr(module, "DOWNGRADE", "")):
            for statement in paragraphs(script):
                owner = schema_of(statement)
                assert owner in PASSES, (path.name, statement)
                owners[owner] += 1

    # Every schema has statements of its own: none is left to the spine by mistake.
    assert all(count > 0 for count in owners.values()), owners
