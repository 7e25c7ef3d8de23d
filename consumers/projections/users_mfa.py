"""The users projection's part for MFA: whether it is on, the recovery codes' hashes, and
which codes were used (`read.users.mfa_enabled` and `read.credentials`).

Written by the `users` projection (`consumers.projections.users.make_users`), which owns
those tables; kept apart because MFA facts carry versions and spent codes, and nothing
personal.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from consumers.projections.batches import latest_per_key
from schemas.credentials import UserMfaCodeUsed, UserMfaDisabled, UserMfaEnabled, UserMfaEnabledV2

# Enable and disable travel on two topics: each carries the version identity gave the
# change, and a change older than the one applied is ignored. (Facts from before versions
# carry 0 and apply over 0.)
ENABLE_MFA = """
WITH t AS (
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[]) AS t(user_id, codes, version)
), changed AS (
    UPDATE credentials c
    SET recovery_codes = string_to_array(t.codes, ','), mfa_version = t.version
    FROM t WHERE c.user_id = t.user_id AND c.mfa_version <= t.version
    RETURNING c.user_id
)
UPDATE users SET mfa_enabled = true FROM changed WHERE users.user_id = changed.user_id
"""

DISABLE_MFA = """
WITH t AS (SELECT * FROM unnest($1::uuid[], $2::int[]) AS t(user_id, version)),
changed AS (
    UPDATE credentials c
    SET recovery_codes = '{}', mfa_version = t.version
    FROM t WHERE c.user_id = t.user_id AND c.mfa_version <= t.version
    RETURNING c.user_id
)
UPDATE users SET mfa_enabled = false FROM changed WHERE users.user_id = changed.user_id
"""

# A used time step only rises and a used recovery code only goes: repeats change nothing.
CODES_USED = """
UPDATE credentials c
SET last_totp_step = GREATEST(c.last_totp_step, t.step),
    recovery_codes = ARRAY(
        SELECT code FROM unnest(c.recovery_codes) AS code
        WHERE code <> ALL (string_to_array(t.spent, ','))
    )
FROM unnest($1::uuid[], $2::bigint[], $3::text[]) AS t(user_id, step, spent)
WHERE c.user_id = t.user_id
"""


async def on_mfa_enabled(
    events: Sequence[Event[UserMfaEnabled | UserMfaEnabledV2]], uow: UnitOfWork
) -> None:
    """Mark MFA on, and keep the recovery codes' hashes login checks codes against (the
    TOTP secret stays with identity; a legacy fact's sealed copy is ignored)."""
    latest = latest_per_key(
        (e.payload for e in events), key=lambda p: p.user_id, rank=lambda p: p.version
    )
    await uow.conn.execute(
        ENABLE_MFA,
        [p.user_id for p in latest],
        [",".join(p.recovery_code_hashes) for p in latest],
        [p.version for p in latest],
    )


async def on_mfa_disabled(events: Sequence[Event[UserMfaDisabled]], uow: UnitOfWork) -> None:
    """Mark MFA off: no secret, no recovery codes."""
    latest = latest_per_key(
        (e.payload for e in events), key=lambda p: p.user_id, rank=lambda p: p.version
    )
    await uow.conn.execute(DISABLE_MFA, [p.user_id for p in latest], [p.version for p in latest])


async def on_mfa_code_used(events: Sequence[Event[UserMfaCodeUsed]], uow: UnitOfWork) -> None:
    """Remember the last TOTP step each user used, and strike spent recovery codes."""
    steps: dict[uuid.UUID, int] = {}
    spent: dict[uuid.UUID, list[str]] = {}
    for event in events:
        used = event.payload
        steps[used.user_id] = max(steps.get(used.user_id, 0), used.totp_step or 0)
        spent.setdefault(used.user_id, [])
        if used.recovery_code_hash is not None:
            spent[used.user_id].append(used.recovery_code_hash)
    await uow.conn.execute(
        CODES_USED, list(steps), list(steps.values()), [",".join(spent[u]) for u in steps]
    )
