"""Erasure: the users projection remembers whom it forgot.

read.erased_users (on the live tables and on a rebuild's shadow copy of the users
projection, if one is building): the ids of erased users (pseudonymous uuids, nothing
else), so a registration applied after the erasure (the topics are not ordered) does not
bring the user's profile back.

Revision ID: 0023
Revises: 0022
"""

from azora.migrate import run_script
from azora.migration_copies import on_every_copy

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_READ_UP = """
CREATE TABLE IF NOT EXISTS %1$I.erased_users (
    user_id   uuid        PRIMARY KEY,
    erased_at timestamptz NOT NULL
)
"""

UPGRADE = on_every_copy("users", "credentials", _READ_UP)

DOWNGRADE = on_every_copy("users", "credentials", "DROP TABLE IF EXISTS %1$I.erased_users")


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
