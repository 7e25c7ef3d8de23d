"""The sessions projection: `read.sessions`, which refresh and logout consult.

The three session topics are not ordered with respect to each other, so every write
commutes: the generation only rises, and a revocation is never undone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from azora.consume.service import Service
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from schemas import catalogue as topics

STARTED = """
INSERT INTO sessions (session_id, user_id, started_at, expires_at)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::timestamptz[])
ON CONFLICT (session_id) DO UPDATE
SET started_at = EXCLUDED.started_at, expires_at = EXCLUDED.expires_at
"""

REFRESHED = """
INSERT INTO sessions (session_id, user_id, generation)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[])
ON CONFLICT (session_id) DO UPDATE
SET generation = GREATEST(sessions.generation, EXCLUDED.generation)
"""

REVOKED = """
INSERT INTO sessions (session_id, user_id, revoked_at, revoked_reason)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[])
ON CONFLICT (session_id) DO UPDATE
SET revoked_at = COALESCE(sessions.revoked_at, EXCLUDED.revoked_at),
    revoked_reason = COALESCE(sessions.revoked_reason, EXCLUDED.revoked_reason)
"""


def _latest_per_session(events: Sequence[Event[Any]]) -> list[Any]:
    # One row per session per statement: ON CONFLICT cannot touch a row twice.
    by_session: dict[Any, Any] = {}
    for event in events:
        current = by_session.get(event.payload.session_id)
        if current is None or getattr(event.payload, "generation", 0) >= getattr(
            current, "generation", 0
        ):
            by_session[event.payload.session_id] = event.payload
    return list(by_session.values())


async def on_started(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """Record new sessions."""
    rows = _latest_per_session(events)
    await uow.conn.execute(
        STARTED,
        [r.session_id for r in rows],
        [r.user_id for r in rows],
        [r.started_at for r in rows],
        [r.expires_at for r in rows],
    )


async def on_refreshed(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """Raise each session's generation: older refresh tokens stop working."""
    rows = _latest_per_session(events)
    await uow.conn.execute(
        REFRESHED,
        [r.session_id for r in rows],
        [r.user_id for r in rows],
        [r.generation for r in rows],
    )


async def on_revoked(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """End sessions for good."""
    rows = _latest_per_session(events)
    await uow.conn.execute(
        REVOKED,
        [r.session_id for r in rows],
        [r.user_id for r in rows],
        [r.revoked_at for r in rows],
        [r.reason for r in rows],
    )


SESSIONS = Service(
    name="sessions",
    handlers={
        topics.SESSION_STARTED: on_started,
        topics.SESSION_REFRESHED: on_refreshed,
        topics.SESSION_REVOKED: on_revoked,
    },
    # Every write commutes and repeats to the same row (see the module docstring).
    replay_safe=frozenset(
        {topics.SESSION_STARTED, topics.SESSION_REFRESHED, topics.SESSION_REVOKED}
    ),
    tables=("sessions",),
)
