"""The vault's key store: users' wrapped personal-data keys, and who was erased.

- azora.personal_keys: each version of each user's data key, wrapped with the master key
  (`AZORA_PERSONAL_DATA_KEY`); an erasure deletes every version (crypto-shredding).
- azora.erased_users: the ids of erased users (pseudonymous uuids, nothing else), so no key
  is made for them again.

Revision ID: 0022
Revises: 0021
"""

from azora.migrate import run_script

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE azora.personal_keys (
    user_id    uuid        NOT NULL,
    version    integer     NOT NULL CHECK (version >= 1),
    wrapped    bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, version)
)

CREATE TABLE azora.erased_users (
    user_id   uuid        PRIMARY KEY,
    erased_at timestamptz NOT NULL DEFAULT now()
)
"""

DOWNGRADE = """
DROP TABLE azora.erased_users

DROP TABLE azora.personal_keys
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
