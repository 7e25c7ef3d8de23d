"""Which version of each projection's tables is live, and the rebuild under way (if any).

A rebuild writes version n+1 into a shadow schema of its own under a consumer group of
its own (`replay-<name>-v<n+1>`); the swap moves its tables into `read` in one
transaction. Version 1 is the set the migrations created and has no row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from azora.db import READ_MODELS, Connection
from azora.topics import TopicNames

log = logging.getLogger(__name__)

LIVE_VERSION = """
SELECT COALESCE(max(version) FILTER (WHERE state = 'live'), 1)
FROM azora.projection_versions WHERE projection = $1
"""
BUILDING = """
SELECT version, group_id, shadow FROM azora.projection_versions
WHERE projection = $1 AND state = 'building'
"""
NEXT_VERSION = (
    "SELECT COALESCE(max(version), 1) + 1 FROM azora.projection_versions WHERE projection = $1"
)
INSERT_BUILDING = """
INSERT INTO azora.projection_versions (projection, version, state, group_id, shadow)
VALUES ($1, $2, 'building', $3, $4)
"""
ABANDON = """
UPDATE azora.projection_versions SET state = 'abandoned'
WHERE projection = $1 AND state = 'building'
"""
# Crash recovery empties unlogged tables, while the rebuild group's offsets (logged) stay:
# a rebuild whose shadow tables are still unlogged and which began before the server last
# started may have lost rows its offsets claim.
UNLOGGED_SINCE_A_RESTART = """
SELECT pg_postmaster_start_time() > v.started_at
   AND EXISTS (
       SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = v.shadow AND c.relkind = 'r' AND c.relpersistence = 'u'
   )
FROM azora.projection_versions v
WHERE v.projection = $1 AND v.state = 'building'
"""
UNLOGGED_TABLES = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = ANY($2::text[]) AND c.relpersistence = 'u'
ORDER BY c.relname
"""
MARK_SWAPPED = """
WITH retired AS (
    UPDATE azora.projection_versions SET state = 'retired'
    WHERE projection = $1 AND state = 'live'
)
UPDATE azora.projection_versions SET state = 'live', swapped_at = now()
WHERE projection = $1 AND version = $2
"""


@dataclass(frozen=True)
class Shadow:
    """One rebuild: the version it builds, where its tables live, the group it reads as."""

    projection: str
    version: int
    schema: str
    group: str


def shadow_for(projection: str, version: int, names: TopicNames) -> Shadow:
    """The shadow schema and replay group of `projection`'s version `version`."""
    return Shadow(
        projection=projection,
        version=version,
        schema=f"rebuild_{projection}_v{version}",
        group=names.group(f"replay-{projection}-v{version}"),
    )


async def live_version(conn: Connection, projection: str) -> int:
    """The version of `projection` that queries read."""
    version: int = await conn.fetchval(LIVE_VERSION, projection)
    return version


async def building(conn: Connection, projection: str) -> Shadow | None:
    """The rebuild of `projection` under way, if one was started and not finished."""
    row = await conn.fetchrow(BUILDING, projection)
    if row is None:
        return None
    return Shadow(projection, row["version"], row["shadow"], row["group_id"])


async def begin(
    conn: Connection, projection: str, tables: tuple[str, ...], names: TopicNames, *, restart: bool
) -> tuple[Shadow, bool]:
    """Resume the rebuild under way, or start the next version; True when resumed.

    A new version gets empty copies of the live tables (columns, defaults, constraints,
    indexes) in its shadow schema, unlogged: replaying into them writes no WAL (every
    first touch of an index page after a checkpoint is a whole page in the WAL, and a
    rebuild's random keys touch most pages), and `make_durable` logs them once, whole,
    before the swap. A rebuild begun before the server last started, its tables still
    unlogged, starts over: crash recovery may have emptied them.
    """
    async with conn.transaction():
        current = await building(conn, projection)
        if current is not None and not restart:
            if not await conn.fetchval(UNLOGGED_SINCE_A_RESTART, projection):
                return current, True
            log.warning(
                "%s: the server restarted since version %d began and its tables are "
                "unlogged (a crash empties them); starting over",
                projection,
                current.version,
            )
        if current is not None:
            await conn.execute(ABANDON, projection)
            await conn.execute(f'DROP SCHEMA IF EXISTS "{current.schema}" CASCADE')
        version: int = await conn.fetchval(NEXT_VERSION, projection)
        shadow = shadow_for(projection, version, names)
        await conn.execute(INSERT_BUILDING, projection, version, shadow.group, shadow.schema)
        await conn.execute(f'DROP SCHEMA IF EXISTS "{shadow.schema}" CASCADE')
        await conn.execute(f'CREATE SCHEMA "{shadow.schema}"')
        for table in tables:
            await conn.execute(
                f'CREATE UNLOGGED TABLE "{shadow.schema}"."{table}" '
                f'(LIKE "{READ_MODELS}"."{table}" INCLUDING ALL)'
            )
        return shadow, False


async def make_durable(conn: Connection, shadow: Shadow, tables: tuple[str, ...]) -> list[str]:
    """Log the shadow tables still unlogged (each written to the WAL whole, once), so the
    last events and the swap are as durable as any write to the live tables: those logged."""
    rows = await conn.fetch(UNLOGGED_TABLES, shadow.schema, list(tables))
    unlogged: list[str] = [row["relname"] for row in rows]
    for table in unlogged:
        await conn.execute(f'ALTER TABLE "{shadow.schema}"."{table}" SET LOGGED')
    return unlogged


async def abandon(conn: Connection, shadow: Shadow) -> None:
    """Drop a rebuild under way (or one built and left unswapped): its schema and its row."""
    async with conn.transaction():
        await conn.execute(ABANDON, shadow.projection)
        await conn.execute(f'DROP SCHEMA IF EXISTS "{shadow.schema}" CASCADE')


async def swap(conn: Connection, shadow: Shadow, tables: tuple[str, ...]) -> None:
    """Inside the caller's transaction: the shadow tables become the live ones."""
    for table in tables:
        await conn.execute(f'DROP TABLE "{READ_MODELS}"."{table}"')
        await conn.execute(f'ALTER TABLE "{shadow.schema}"."{table}" SET SCHEMA "{READ_MODELS}"')
    await conn.execute(f'DROP SCHEMA "{shadow.schema}"')
    await conn.execute(MARK_SWAPPED, shadow.projection, shadow.version)


async def checksum(conn: Connection, schema: str, table: str) -> str:
    """An order-independent digest of a table's rows (equal rows, equal digest)."""
    digest: str = await conn.fetchval(
        f"SELECT md5(COALESCE(string_agg(h, '' ORDER BY h), '')) "
        f'FROM (SELECT md5(t::text) AS h FROM "{schema}"."{table}" AS t) AS rows'
    )
    return digest
