"""Login secrets reach the ingress sealed, through the users projection.

read.credential_secrets (on the live tables and on a rebuild's shadow copy of the users
projection, if one is building): each user's password hash and active TOTP secret as
identity published them on `user.credentials_set`, sealed for the ingress alone
(`azora.credential_sealing`), with the MFA version that orders them. The ingress joins it
to read.credentials and no longer reads identity's schema.

It starts empty: identity publishes the secrets of accounts created before this release
once, from its earlier facts (`user.registered.v2`, `user.registered_with_provider`).

Revision ID: 0026
Revises: 0025
"""

from azora.migrate import run_script
from azora.migration_copies import on_every_copy

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

_READ_UP = """
CREATE TABLE IF NOT EXISTS %1$I.credential_secrets (
    user_id uuid PRIMARY KEY,
    version int  NOT NULL CHECK (version >= 0),
    sealed  text NOT NULL CHECK (length(sealed) <= 2000)
)
"""

UPGRADE = on_every_copy("users", "credentials", _READ_UP)

DOWNGRADE = on_every_copy("users", "credentials", "DROP TABLE IF EXISTS %1$I.credential_secrets")


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
