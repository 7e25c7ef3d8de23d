"""A private, migrated database for benchmarks and tests that change schema-wide state."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Collection

import asyncpg

from azora import migrate


@contextlib.asynccontextmanager
async def fresh_database(
    url: str,
    *,
    checkpoint_first: bool = False,
    schemas: Collection[str] = migrate.EVERY_SCHEMA,
    revision: str = "head",
    label: str = "t",
) -> AsyncIterator[str]:
    """Create a database beside `url`'s with `schemas` (default: all) migrated to `revision`;
    yield its URL; drop it afterwards. `label` goes into its name (`azora_<label><random>`).

    `checkpoint_first`: create it by file copy, which makes Postgres checkpoint first, so
    a benchmark does not meet the checkpoint the previous one's writes were heading for.
    """
    name = f"azora_{label}{uuid.uuid4().hex[:12]}"
    base, _, _ = url.rpartition("/")
    admin = await asyncpg.connect(url)
    strategy = " STRATEGY FILE_COPY" if checkpoint_first else ""
    try:
        await admin.execute(f'CREATE DATABASE "{name}"{strategy}')
    finally:
        await admin.close()
    private = f"{base}/{name}"
    try:
        # Alembic runs its own event loop: keep it off this one.
        await asyncio.to_thread(migrate.upgrade, private, schemas, revision)
        yield private
    finally:
        await _drop(url, name)


async def _drop(url: str, name: str) -> None:
    admin = await asyncpg.connect(url)
    try:
        for _ in range(60):
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            except asyncpg.InsufficientPrivilegeError:
                # An autovacuum worker (the superuser's) is still in it; it ends on its own.
                await asyncio.sleep(1)
        raise RuntimeError(f"could not drop database {name}: still in use")
    finally:
        await admin.close()
