"""Per-user hourly quotas on questions and learning paths, decided by the tutor itself.

Counted in the tutor's own schema, in the transaction that admits a command, not in a
read model that lags: a burst sent at once is admitted exactly up to the limit. The prepare
step asks the same question of the committed rows first, so a command already over its
quota never reaches the model (the provider bills every call).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from azora.db import Connection
from consumers.tutor import sql
from consumers.tutor.rules import WINDOW, Request, admitted


@dataclass(frozen=True)
class Quotas:
    """How many questions and learning paths a user may have admitted an hour."""

    questions_per_hour: int
    paths_per_hour: int


async def _used(
    conn: Connection | asyncpg.Pool, kind: str, requests: Sequence[Request]
) -> dict[uuid.UUID, list[tuple[uuid.UUID, datetime]]]:
    since = min(r.at for r in requests) - WINDOW
    rows = await conn.fetch(sql.USED, list({r.user_id for r in requests}), kind, since)
    used: dict[uuid.UUID, list[tuple[uuid.UUID, datetime]]] = defaultdict(list)
    for row in rows:
        used[row["user_id"]].append((row["command_id"], row["at"]))
    return used


async def foreseen(
    pool: asyncpg.Pool, kind: str, limit: int, requests: Sequence[Request]
) -> set[uuid.UUID]:
    """The commands the quota will admit, as the committed rows tell (nothing is recorded)."""
    if not requests:
        return set()
    return admitted(requests, await _used(pool, kind, requests), limit)


async def admit(
    conn: Connection, kind: str, limit: int, requests: Sequence[Request]
) -> set[uuid.UUID]:
    """The commands the quota admits, recorded as used in the caller's transaction."""
    if not requests:
        return set()
    await conn.execute(sql.LOCK_QUOTAS, sorted({str(r.user_id) for r in requests}), kind)
    chosen = admitted(requests, await _used(conn, kind, requests), limit)
    fresh = [r for r in requests if r.command_id in chosen]
    await conn.execute(
        sql.RECORD_USE,
        [r.command_id for r in fresh],
        [r.user_id for r in fresh],
        kind,
        [r.at for r in fresh],
    )
    return chosen
