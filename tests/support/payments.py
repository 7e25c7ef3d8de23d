"""What the payments service keeps, read as tests wait on it."""

from __future__ import annotations

import uuid

import asyncpg


async def cancellation_remembered(db: asyncpg.Pool, payment_id: uuid.UUID) -> bool:
    """Whether payments recorded the cancel of `payment_id`'s checkout."""
    found = await db.fetchval(
        "SELECT count(*) FROM payments.cancellations WHERE payment_id = $1", payment_id
    )
    return bool(found)
