"""The sessions projection: `read.sessions`, which refresh and logout consult.

The three session topics are not ordered with respect to each other, so every write
commutes: the generation only rises, and a revocation is never undone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from azora.consume.service import service, subscribe
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from consumers.projections.batches import latest_per_key
from schemas import catalogue as topics
from schemas.erasure import UserErased
from schemas.sessions import SessionRefreshed, SessionRevoked, SessionStarted

SessionFact = TypeVar("SessionFact", SessionStarted, SessionRefreshed, SessionRevoked)

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


# An erased user's sessions all end (their refresh tokens stop working).
ERASED = """
UPDATE sessions s
SET revoked_at = COALESCE(s.revoked_at, t.erased_at),
    revoked_reason = COALESCE(s.revoked_reason, 'user erased')
FROM unnest($1::uuid[], $2::timestamptz[]) AS t(user_id, erased_at)
WHERE s.user_id = t.user_id
"""


def _latest_per_session(events: Sequence[Event[SessionFact]]) -> list[SessionFact]:
    # One row per session per statement: ON CONFLICT cannot touch a row twice.
    return latest_per_key(
        (event.payload for event in events),
        key=lambda payload: payload.session_id,
        rank=lambda payload: getattr(payload, "generation", 0),
    )


async def on_started(events: Sequence[Event[SessionStarted]], uow: UnitOfWork) -> None:
    """Record new sessions."""
    rows = _latest_per_session(events)
    await uow.conn.execute(
        STARTED,
        [r.session_id for r in rows],
        [r.user_id for r in rows],
        [r.started_at for r in rows],
        [r.expires_at for r in rows],
    )


async def on_refreshed(events: Sequence[Event[SessionRefreshed]], uow: UnitOfWork) -> None:
    """Raise each session's generation: older refresh tokens stop working."""
    rows = _latest_per_session(events)
    await uow.conn.execute(
        REFRESHED,
        [r.session_id for r in rows],
        [r.user_id for r in rows],
        [r.generation for r in rows],
    )


async def on_user_erased(events: Sequence[Event[UserErased]], uow: UnitOfWork) -> None:
    """End every session of each erased user."""
    erased = [event.payload for event in events]
    await uow.conn.execute(ERASED, [e.user_id for e in erased], [e.erased_at for e in erased])


async def on_revoked(events: Sequence[Event[SessionRevoked]], uow: UnitOfWork) -> None:
    """End sessions for good."""
    rows = _latest_per_session(events)
    await uow.conn.execute(
        REVOKED,
        [r.session_id for r in rows],
        [r.user_id for r in rows],
        [r.revoked_at for r in rows],
        [r.reason for r in rows],
    )


# Every write commutes and repeats to the same row (see the module docstring).
SESSIONS = service(
    "sessions",
    subscribe(topics.SESSION_STARTED, on_started, replay_safe=True),
    subscribe(topics.SESSION_REFRESHED, on_refreshed, replay_safe=True),
    subscribe(topics.SESSION_REVOKED, on_revoked, replay_safe=True),
    subscribe(topics.USER_ERASED, on_user_erased, replay_safe=True),
    tables=("sessions",),
)
