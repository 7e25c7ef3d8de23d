"""Bring a database's schemas up to date with Alembic.

A database holds the consume loop's own schema (`azora`) and the schemas of the owners
that use it (`azora.databases`). One chain of migrations serves them all: it runs once
per schema, each run with a version table of its own (`alembic_version` for the spine,
`alembic_version_<schema>` for the others) and only that schema's statements
(`azora.migration_schemas`), all in one transaction. So a database given to the wallet
alone gets `azora` and `wallet`, and the shared database of a small deployment gets them
all, as before.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from alembic import command
from alembic.config import Config

from azora.databases import SCHEMAS, SPINE

MIGRATIONS = Path(__file__).parent / "migrations"
EVERY_SCHEMA = tuple(SCHEMAS.values())


def alembic_config(database_url: str, schemas: Collection[str] = EVERY_SCHEMA) -> Config:
    """An Alembic config for our migrations of `schemas` (and the spine) in `database_url`."""
    unknown = set(schemas) - set(EVERY_SCHEMA)
    if unknown:
        raise ValueError(f"no migrations for schema(s) {', '.join(sorted(unknown))}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    url = database_url.replace("postgresql://", "postgresql+asyncpg://", 1)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    # env.py hands the DSN to asyncpg as it is: SQLAlchemy would pass libpq's TLS
    # parameters (sslmode=...) to asyncpg.connect as arguments it does not take.
    config.attributes["dsn"] = database_url
    # The passes env.py runs, the spine first: its tables exist before any schema's
    # migrations look at them (a rebuild's shadow copies are listed there).
    config.attributes["schemas"] = [SPINE, *(s for s in EVERY_SCHEMA if s in schemas)]
    return config


def upgrade(
    database_url: str, schemas: Collection[str] = EVERY_SCHEMA, revision: str = "head"
) -> None:
    """Apply every migration up to `revision` to the spine and `schemas` of one database."""
    command.upgrade(alembic_config(database_url, schemas), revision)


def run_script(sql: str) -> None:
    """Execute a migration script's statements in order (inside Alembic's transaction)."""
    from alembic import op

    for statement in paragraphs(sql):
        op.execute(statement)


def paragraphs(sql: str) -> list[str]:
    """The statements of a migration script, one per blank-line-separated paragraph.

    asyncpg prepares each statement, and a prepared statement holds exactly one.
    """
    return [block.strip() for block in sql.split("\n\n") if block.strip()]
