"""Sign-in with an OpenID Connect provider.

- identity.oidc_identities: which account each provider identity (issuer, subject) signs
  in; identity's own, written with the decision.
- read.credentials.password_hash becomes nullable: an account created by a provider
  sign-in has no password (a password login against it always fails).
- read.oidc_identities: the same links as a read model (the users projection's), which the
  ingress reads to check a re-authentication with a provider.

The read-model statements run on the live tables and on a rebuild's shadow copy of the
users projection, if one is building. A downgrade drops the password-less accounts'
credentials (the old code cannot represent them; the facts stay in the log).

Revision ID: 0020
Revises: 0014
"""

from azora.migrate import run_script
from azora.migration_copies import on_every_copy

revision = "0020"
down_revision = "0014"
branch_labels = None
depends_on = None

_READ_UP = """
ALTER TABLE %1$I.credentials ALTER COLUMN password_hash DROP NOT NULL;
CREATE TABLE IF NOT EXISTS %1$I.oidc_identities (
    issuer    text        NOT NULL,
    subject   text        NOT NULL,
    user_id   uuid        NOT NULL,
    provider  text        NOT NULL,
    linked_at timestamptz NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX IF NOT EXISTS oidc_identities_user ON %1$I.oidc_identities (user_id)
"""

_READ_DOWN = """
DROP TABLE IF EXISTS %1$I.oidc_identities;
DELETE FROM %1$I.credentials WHERE password_hash IS NULL;
ALTER TABLE %1$I.credentials ALTER COLUMN password_hash SET NOT NULL
"""

UPGRADE = f"""
CREATE TABLE identity.oidc_identities (
    issuer    text        NOT NULL,
    subject   text        NOT NULL,
    user_id   uuid        NOT NULL,
    provider  text        NOT NULL,
    linked_at timestamptz NOT NULL,
    PRIMARY KEY (issuer, subject)
)

{on_every_copy("users", "credentials", _READ_UP)}
"""

DOWNGRADE = f"""
{on_every_copy("users", "credentials", _READ_DOWN)}

DROP TABLE identity.oidc_identities
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
