"""Alembic environment: one pass per schema of the database, over asyncpg.

Each pass (`azora.migrate` lists them, the spine first) has a version table of its own and
executes only its schema's statements (`azora.migration_schemas.runs_in`); the others are
skipped. All passes share one transaction: a database is migrated whole or not at all.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from alembic import context
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from azora.databases import SPINE
from azora.migration_schemas import runs_in

SKIPPED = "SELECT 1"


def version_table(schema: str) -> str:
    """Where a pass records its revision: the spine keeps the table of old, single runs."""
    return "alembic_version" if schema == SPINE else f"alembic_version_{schema}"


def _run(connection: Connection) -> None:
    schemas: list[str] = context.config.attributes["schemas"]
    current = {"schema": SPINE}

    def only_this_pass(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> Any:
        if runs_in(statement, current["schema"]):
            return statement, parameters
        return SKIPPED, ()

    # Before the spine's pass moves on: the revision a database migrated in one run reached.
    adopted = _single_run_revision(connection)
    event.listen(connection, "before_cursor_execute", only_this_pass, retval=True)
    try:
        for schema in schemas:
            current["schema"] = schema
            context.configure(
                connection=connection,
                version_table=version_table(schema),
                version_table_schema="public",
            )
            if adopted and schema != SPINE and _untracked_but_present(connection, schema):
                # Migrated by the single run of old: every statement up to `adopted` ran.
                context.get_context().stamp(ScriptDirectory.from_config(context.config), adopted)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        event.remove(connection, "before_cursor_execute", only_this_pass)


def _single_run_revision(connection: Connection) -> str | None:
    if connection.execute(text("SELECT to_regclass('public.alembic_version')")).scalar() is None:
        return None
    revision: str | None = connection.execute(
        text("SELECT version_num FROM public.alembic_version")
    ).scalar()
    return revision


def _untracked_but_present(connection: Connection, schema: str) -> bool:
    table = f"public.{version_table(schema)}"
    tracked = connection.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar()
    present = connection.execute(text("SELECT to_regnamespace(:s)"), {"s": schema}).scalar()
    return tracked is None and present is not None


async def _run_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "azora.migrate sets sqlalchemy.url"
    dsn = context.config.attributes.get("dsn")
    if dsn:
        # asyncpg reads the whole DSN itself, TLS parameters included.
        engine = create_async_engine(
            "postgresql+asyncpg://", async_creator=lambda: asyncpg.connect(dsn)
        )
    else:
        engine = create_async_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


asyncio.run(_run_online())
