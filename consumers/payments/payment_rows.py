"""The payments' rows every handler shares: locked for a batch, then moved in one statement."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from azora.consume.unit_of_work import UnitOfWork
from consumers.payments import sql

# Where a batch moved each payment: its new status and, where it changed, how much of it
# is refunded (None keeps the recorded amount).
Moves = dict[uuid.UUID, tuple[str, int | None]]


async def lock(uow: UnitOfWork, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """The payments behind `ids`, locked for this transaction."""
    return {row["payment_id"]: dict(row) for row in await uow.conn.fetch(sql.LOCK, list(ids))}


async def move(uow: UnitOfWork, moved: Moves) -> None:
    """Set payments' statuses and, where given, how much of them is refunded."""
    if moved:
        await uow.conn.execute(
            sql.MOVE,
            list(moved),
            [status for status, _ in moved.values()],
            [refunded_minor for _, refunded_minor in moved.values()],
        )
