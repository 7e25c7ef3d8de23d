"""The vault's key store in Postgres: `azora.personal_keys` and `azora.erased_users`.

Kept in the shared database (`DATABASE_URL`), which every reader of personal fields
reaches (`PooledKeyStore`). Only wrapped keys are stored (`azora.personal.keys`); an
erased user's row in `erased_users` holds nothing but their pseudonymous id.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Collection, Mapping, Sequence

import asyncpg

from azora.db import Connection, create_pool

WRAPPED_KEYS = """
SELECT user_id, version, wrapped FROM azora.personal_keys WHERE user_id = ANY($1::uuid[])
"""

# Never for an erased user: the erasure is remembered, so a replayed registration or a
# rotation racing the erasure cannot bring a key back.
ADD_KEY = """
INSERT INTO azora.personal_keys (user_id, version, wrapped)
SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM azora.erased_users WHERE user_id = $1)
ON CONFLICT DO NOTHING
RETURNING version
"""

# One statement: the erasure is remembered and every version deleted together.
DESTROY_KEYS = """
WITH erased AS (
    INSERT INTO azora.erased_users (user_id) VALUES ($1) ON CONFLICT DO NOTHING
)
DELETE FROM azora.personal_keys WHERE user_id = $1
"""


PAGE = """
SELECT user_id, version, wrapped FROM azora.personal_keys
WHERE ($1::uuid IS NULL OR (user_id, version) > ($1::uuid, $2::int))
ORDER BY user_id, version LIMIT $3
"""

REPLACE = "UPDATE azora.personal_keys SET wrapped = $3 WHERE user_id = $1 AND version = $2"


class PostgresKeyStore:
    """A `KeyStore` on a pool (or a connection, to share its transaction)."""

    def __init__(self, db: asyncpg.Pool | Connection) -> None:
        self._db = db

    async def wrapped_keys(
        self, user_ids: Collection[uuid.UUID]
    ) -> Mapping[uuid.UUID, Mapping[int, bytes]]:
        """Every stored version of each user's wrapped key."""
        found: dict[uuid.UUID, dict[int, bytes]] = {}
        for row in await self._db.fetch(WRAPPED_KEYS, list(user_ids)):
            found.setdefault(row["user_id"], {})[row["version"]] = bytes(row["wrapped"])
        return found

    async def add(self, user_id: uuid.UUID, version: int, wrapped: bytes) -> bool:
        """Store a new version unless the user was erased or it exists."""
        return await self._db.fetchval(ADD_KEY, user_id, version, wrapped) is not None

    async def destroy(self, user_id: uuid.UUID) -> int:
        """Remember the erasure and delete every version."""
        status: str = await self._db.execute(DESTROY_KEYS, user_id)
        return int(status.rsplit(" ", 1)[1])

    async def close(self) -> None:
        """Nothing: the pool or connection belongs to whoever handed it over."""

    async def page(
        self, after: tuple[uuid.UUID, int] | None, limit: int
    ) -> Sequence[tuple[uuid.UUID, int, bytes]]:
        """Up to `limit` stored keys after `after`, in (user id, version) order."""
        user_id, version = after if after is not None else (None, 0)
        rows = await self._db.fetch(PAGE, user_id, version, limit)
        return [(row["user_id"], row["version"], bytes(row["wrapped"])) for row in rows]

    async def replace(self, user_id: uuid.UUID, version: int, wrapped: bytes) -> None:
        """Store `wrapped` in place of that version's wrapped key (if it still exists)."""
        await self._db.execute(REPLACE, user_id, version, wrapped)


class PooledKeyStore:
    """The key store on a pool of its own, opened on first use and closed with `close`.

    Services, the ingress and tools reach the vault here, in the shared database, whatever
    database they keep their own state in: it is the deployment's key service (a KMS would
    take its place in a larger deployment). Nothing connects until a key is first needed.
    """

    def __init__(self, dsn: str, *, max_size: int = 2) -> None:
        self._dsn = dsn
        self._max_size = max_size
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    async def _store(self) -> PostgresKeyStore:
        async with self._opening:
            if self._pool is None:
                self._pool = await create_pool(self._dsn, min_size=0, max_size=self._max_size)
        return PostgresKeyStore(self._pool)

    async def wrapped_keys(
        self, user_ids: Collection[uuid.UUID]
    ) -> Mapping[uuid.UUID, Mapping[int, bytes]]:
        """Every stored version of each user's wrapped key."""
        if not user_ids:
            return {}
        return await (await self._store()).wrapped_keys(user_ids)

    async def add(self, user_id: uuid.UUID, version: int, wrapped: bytes) -> bool:
        """Store a new version unless the user was erased or it exists."""
        return await (await self._store()).add(user_id, version, wrapped)

    async def destroy(self, user_id: uuid.UUID) -> int:
        """Remember the erasure and delete every version."""
        return await (await self._store()).destroy(user_id)

    async def page(
        self, after: tuple[uuid.UUID, int] | None, limit: int
    ) -> Sequence[tuple[uuid.UUID, int, bytes]]:
        """Up to `limit` stored keys after `after`, in (user id, version) order."""
        return await (await self._store()).page(after, limit)

    async def replace(self, user_id: uuid.UUID, version: int, wrapped: bytes) -> None:
        """Store `wrapped` in place of that version's wrapped key (if it still exists)."""
        await (await self._store()).replace(user_id, version, wrapped)

    async def close(self) -> None:
        """Close the pool if it was opened."""
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
