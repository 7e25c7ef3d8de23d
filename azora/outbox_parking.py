"""Outbox rows that can never be sent: which errors say so, and where such rows go.

The relay sends rows in order and retries a failed batch, which is right for an outage (the
broker comes back, the batch goes out) and wrong for a row the broker will refuse every
time: retried for ever, it would hold every row behind it. Such a row is moved to
`azora.outbox_parked` with the reason, and the rows behind it go on.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiokafka.errors import InvalidTopicError, MessageSizeTooLargeError, RecordListTooLargeError

from azora import db

# Refusals of the record itself, the same on every try. Not here: errors an operator fixes
# outside the row (authorisation, a topic not created yet), after which a retry succeeds.
_NEVER_SENDABLE = (MessageSizeTooLargeError, RecordListTooLargeError, InvalidTopicError)

PARK = """
INSERT INTO azora.outbox_parked (id, topic, key, value, headers, created_at, reason)
SELECT o.id, o.topic, o.key, o.value, o.headers, o.created_at, r.reason
FROM azora.outbox AS o
JOIN unnest($1::bigint[], $2::text[]) AS r(id, reason) ON r.id = o.id
ON CONFLICT (id) DO NOTHING
"""


def never_sendable(error: BaseException) -> bool:
    """Whether the broker or the producer refused the record for what it is."""
    return isinstance(error, _NEVER_SENDABLE)


def reason(error: BaseException) -> str:
    """What an operator reads beside the parked row."""
    said, kind = str(error), type(error).__name__
    # Kafka's errors name themselves ("[Error 10] MessageSizeTooLargeError: ..."); others may not.
    return (said if kind in said else f"{kind}: {said}")[:2000]


async def park(conn: db.Connection, refused: Mapping[int, str]) -> None:
    """Copy the refused rows, with their reasons, to the parked table (the caller deletes
    them from the outbox in the same transaction)."""
    if refused:
        await conn.execute(PARK, list(refused), list(refused.values()))
