"""The users projection's `read.credential_secrets`: each user's password hash and TOTP
secret as identity published them on `user.credentials_set`, sealed for the ingress alone.

The projection never opens them: it keeps the newest value per user (by the MFA version
identity sealed it at) and drops it when the user is erased; the ingress opens it to check
one login (`producers.ingress.credential_store`).
"""

from __future__ import annotations

from collections.abc import Sequence

from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from consumers.projections.batches import latest_per_key
from schemas.credentials import UserCredentialsSet

# The newest sealed login secrets per user (by the MFA version identity gave them); an
# empty value (an erased user's) removes the row, and an erased user gets none back.
SET_SECRETS = """
WITH t AS (
    SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[]) AS t(user_id, version, sealed)
), removed AS (
    DELETE FROM credential_secrets c USING t
    WHERE c.user_id = t.user_id AND t.sealed IS NULL
)
INSERT INTO credential_secrets (user_id, version, sealed)
SELECT user_id, version, sealed FROM t
WHERE sealed IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM erased_users e WHERE e.user_id = t.user_id)
ON CONFLICT (user_id) DO UPDATE SET version = EXCLUDED.version, sealed = EXCLUDED.sealed
WHERE credential_secrets.version <= EXCLUDED.version
"""


# An erased user's empty value outranks every value before it, whatever its version.
ERASED_RANK = 2**31


def rank(value: UserCredentialsSet) -> int:
    """Which of one user's values in a batch is kept: the erasure, else the newest."""
    return ERASED_RANK if value.sealed is None else value.version


async def on_credentials_set(events: Sequence[Event[UserCredentialsSet]], uow: UnitOfWork) -> None:
    """Keep each user's newest sealed login secrets as they came (only the ingress opens
    them); drop them on an erased user's empty value."""
    latest = latest_per_key((e.payload for e in events), key=lambda p: p.user_id, rank=rank)
    await uow.conn.execute(
        SET_SECRETS,
        [p.user_id for p in latest],
        [p.version for p in latest],
        [p.sealed for p in latest],
    )
