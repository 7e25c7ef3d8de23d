"""Password hashes and TOTP secrets leave the log and the read models: identity alone
keeps them.

- identity.credentials: each account's password hash, written by identity with the account
  (from the sealed hash of `user.registration_requested.v2`), and imported once from the
  legacy `user.registered` for the accounts registered before.
- read.credentials loses password_hash and mfa_secret (on the live table and on a
  rebuild's shadow copy of the users projection, if one is building): the ingress checks
  passwords against identity.credentials and codes against identity.mfa's active secret
  (which identity has kept, sealed, since MFA existed).

A downgrade brings the read columns back empty (nullable): the legacy accounts' hashes and
secrets are still in `user.registered` and `user.mfa_enabled`, and a rebuild of the users
projection restores them; what was registered or enabled since is only in identity's
schema (the hashes in identity.credentials, which the downgrade drops).

Revision ID: 0021
Revises: 0020
"""

from azora.migrate import run_script
from azora.migration_copies import on_every_copy

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_READ_UP = "ALTER TABLE %1$I.credentials DROP COLUMN password_hash, DROP COLUMN mfa_secret"
_READ_DOWN = (
    "ALTER TABLE %1$I.credentials ADD COLUMN password_hash text, ADD COLUMN mfa_secret text"
)

UPGRADE = f"""
CREATE TABLE identity.credentials (
    user_id       uuid        PRIMARY KEY,
    password_hash text        NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
)

{on_every_copy("users", "credentials", _READ_UP)}
"""

DOWNGRADE = f"""
{on_every_copy("users", "credentials", _READ_DOWN)}

DROP TABLE identity.credentials
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
