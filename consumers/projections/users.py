"""The users projection: `read.users` (profiles) and `read.credentials` (what login checks)."""

from __future__ import annotations

from collections.abc import Sequence

from azora.consume.service import service, subscribe
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from schemas import catalogue as topics
from schemas.accounts import UserMfaEnabled, UserRegistered
from schemas.learning import UserRoleGranted

# Profiles and credentials in one statement: one round trip per batch, and the ids and
# emails both tables take are sent (and encoded) once.
INSERT_USERS = """
WITH t AS (
    SELECT * FROM unnest(
        $1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[]
    ) AS t(user_id, email, display_name, roles, registered_at, password_hash)
), profiles AS (
    INSERT INTO users (user_id, email, display_name, roles, registered_at)
    SELECT user_id, email, display_name, string_to_array(roles, ','), registered_at FROM t
    ON CONFLICT DO NOTHING
)
INSERT INTO credentials (user_id, email, password_hash)
SELECT user_id, email, password_hash FROM t
ON CONFLICT DO NOTHING
"""

ENABLE_MFA = """
WITH t AS (SELECT * FROM unnest($1::uuid[], $2::text[]) AS t(user_id, secret)),
profiles AS (
    UPDATE users SET mfa_enabled = true FROM t WHERE users.user_id = t.user_id
)
UPDATE credentials SET mfa_secret = t.secret FROM t WHERE credentials.user_id = t.user_id
"""


GRANT_ROLES = """
UPDATE users u
SET roles = ARRAY(SELECT DISTINCT r FROM unnest(u.roles || t.roles) AS r ORDER BY r)
FROM (SELECT user_id, array_agg(role) AS roles
      FROM unnest($1::uuid[], $2::text[]) AS g(user_id, role) GROUP BY user_id) AS t
WHERE u.user_id = t.user_id
"""


async def on_role_granted(events: Sequence[Event[UserRoleGranted]], uow: UnitOfWork) -> None:
    """Add each granted role to the user's roles (a set: granting twice changes nothing)."""
    grants = [e.payload for e in events]
    await uow.conn.execute(GRANT_ROLES, [g.user_id for g in grants], [g.role for g in grants])


async def on_user_registered(events: Sequence[Event[UserRegistered]], uow: UnitOfWork) -> None:
    """Insert the profile and credentials of each new user."""
    users = [event.payload for event in events]
    await uow.conn.execute(
        INSERT_USERS,
        [u.user_id for u in users],
        [u.email for u in users],
        [u.display_name for u in users],
        [",".join(u.roles) for u in users],
        [u.registered_at for u in users],
        [u.password_hash for u in users],
    )


async def on_mfa_enabled(events: Sequence[Event[UserMfaEnabled]], uow: UnitOfWork) -> None:
    """Mark MFA on, and keep the (encrypted) secret login will check codes against."""
    latest = {e.payload.user_id: e.payload.secret_ciphertext for e in events}
    await uow.conn.execute(ENABLE_MFA, list(latest), list(latest.values()))


# A registration only inserts rows that do not exist yet. MFA changes state, so its ids
# stay in the inbox (a late duplicate must not re-enable what a later event turned off).
USERS = service(
    "users",
    subscribe(topics.USER_REGISTERED, on_user_registered, replay_safe=True),
    subscribe(topics.USER_MFA_ENABLED, on_mfa_enabled),
    subscribe(topics.USER_ROLE_GRANTED, on_role_granted, replay_safe=True),
    tables=("users", "credentials"),
)
