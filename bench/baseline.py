"""The speed limit: the projection's own SQL sent straight through asyncpg, no loop around it.

Same statements (imported from the projection, so the two cannot drift apart), same
tables, same batch size, one transaction per batch as the loop commits per batch, and the
same rows: the loop's rows are deleted (and vacuumed) first so conflicts short-cut nothing.
Argument lists are built before the clock starts; asyncpg still encodes them on the clock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from azora import db
from bench.data import ROLES, Users
from consumers.projections.users import INSERT_USERS


@dataclass(frozen=True)
class Baseline:
    """How long the raw batched upsert took."""

    events: int
    seconds: float

    @property
    def rate(self) -> float:
        """Rows (events) per second."""
        return self.events / self.seconds


async def baseline(dsn: str, users: Users, batch: int) -> Baseline:
    """Insert `users` into read.users and read.credentials, `batch` rows per transaction."""
    roles = ",".join(ROLES)
    chunks = [
        (
            users.user_ids[i : i + batch],
            users.emails[i : i + batch],
            users.display_names[i : i + batch],
            [roles] * len(users.user_ids[i : i + batch]),
            users.registered_at[i : i + batch],
        )
        for i in range(0, len(users), batch)
    ]
    conn = await db.connect(dsn)
    try:
        started = time.perf_counter()
        for ids, emails, names, role_lists, registered_at in chunks:
            async with conn.transaction():
                await conn.execute(INSERT_USERS, ids, emails, names, role_lists, registered_at)
        seconds = time.perf_counter() - started
    finally:
        await conn.close()
    return Baseline(len(users), seconds)
