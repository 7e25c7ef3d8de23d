"""Which version of each projection's tables is live, and the rebuild under way (if any).

A rebuild writes version n+1 into a shadow schema of its own under a consumer group of
its own (`replay-<name>-v<n+1>`); the swap moves its tables into `read` in one
transaction. Version 1 is the set the migrations created and has no row.
"""

from __future__ import annotations

from dataclasses import dataclass

from azora.db import READ_MODELS, Connection
from azora.topics import TopicNames

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
    indexes) in its shadow schema.
    """
    async with conn.transaction():
        current = await building(conn, projection)
        if current is not None and not restart:
            return current, True
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
                f'CREATE TABLE "{shadow.schema}"."{table}" '
                f'(LIKE "{READ_MODELS}"."{table}" INCLUDING ALL)'
            )
        return shadow, False


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
