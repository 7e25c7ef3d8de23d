"""Identity: turns registration and MFA requests into facts; owns the `identity` schema."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from azora.consume.service import Service
from azora.consume.unit_of_work import UnitOfWork
from azora.crypto import SecretBox
from azora.messages import Event
from consumers.identity.decisions import first_per_email, mfa_outcome, registration_outcome
from schemas import catalogue as topics

# ON CONFLICT DO NOTHING covers the email's unique index: across partitions, racing
# registrations of one address still produce exactly one account.
CREATE_ACCOUNTS = """
INSERT INTO identity.accounts (user_id, email, display_name, created_at)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[])
ON CONFLICT DO NOTHING
RETURNING user_id
"""

SET_PENDING_SECRETS = """
INSERT INTO identity.mfa (user_id, pending_secret)
SELECT * FROM unnest($1::uuid[], $2::text[])
ON CONFLICT (user_id) DO UPDATE SET pending_secret = EXCLUDED.pending_secret, updated_at = now()
"""

PENDING_SECRETS = "SELECT user_id, pending_secret FROM identity.mfa WHERE user_id = ANY($1::uuid[])"

ACTIVATE = """
UPDATE identity.mfa SET active_secret = t.secret, pending_secret = NULL, updated_at = now()
FROM unnest($1::uuid[], $2::text[]) AS t(user_id, secret)
WHERE identity.mfa.user_id = t.user_id
"""


async def on_registration_requested(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """Create an account per new email; reject the rest."""
    requests = [event.payload for event in events]
    winners = [events[i] for i in first_per_email(requests)]
    rows = await uow.conn.fetch(
        CREATE_ACCOUNTS,
        [e.payload.user_id for e in winners],
        [e.payload.email for e in winners],
        [e.payload.display_name for e in winners],
        [e.envelope.occurred_at for e in winners],
    )
    created = {row["user_id"] for row in rows}
    for event in events:
        outcome = registration_outcome(
            event.payload, event.payload.user_id in created, event.envelope.occurred_at
        )
        uow.emit(outcome, cause=event)


def make_identity(secrets: SecretBox) -> Service:
    """The identity service, with the key that opens TOTP secrets."""

    async def on_mfa_setup_requested(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        latest = {e.payload.user_id: e.payload.secret_ciphertext for e in events}
        await uow.conn.execute(SET_PENDING_SECRETS, list(latest), list(latest.values()))

    async def on_mfa_enable_requested(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        rows = await uow.conn.fetch(PENDING_SECRETS, [e.payload.user_id for e in events])
        pending: dict[Any, str | None] = {row["user_id"]: row["pending_secret"] for row in rows}
        activated: dict[Any, str] = {}
        for event in events:
            ciphertext = pending.get(event.payload.user_id)
            decision = mfa_outcome(
                event.payload, ciphertext, secrets.open(ciphertext) if ciphertext else None
            )
            if decision.activate is not None:
                activated[event.payload.user_id] = decision.activate
                pending[event.payload.user_id] = None
            uow.emit(decision.outcome, cause=event)
        if activated:
            await uow.conn.execute(ACTIVATE, list(activated), list(activated.values()))

    return Service(
        name="identity",
        handlers={
            topics.USER_REGISTRATION_REQUESTED: on_registration_requested,
            topics.USER_MFA_SETUP_REQUESTED: on_mfa_setup_requested,
            topics.USER_MFA_ENABLE_REQUESTED: on_mfa_enable_requested,
        },
    )
