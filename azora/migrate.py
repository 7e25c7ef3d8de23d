"""Bring the database schema up to date with Alembic."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at our migrations and `database_url` (asyncpg driver)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    url = database_url.replace("postgresql://", "postgresql+asyncpg://", 1)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    # env.py hands the DSN to asyncpg as it is: SQLAlchemy would pass libpq's TLS
    # parameters (sslmode=...) to asyncpg.connect as arguments it does not take.
    config.attributes["dsn"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply every migration up to `revision`."""
    command.upgrade(alembic_config(database_url), revision)


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
