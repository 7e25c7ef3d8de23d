"""identity.accounts loses password_hash: it was written and never read.

Logins check `read.credentials`, which the users projection builds from
`user.registered`; identity's own table only needs to know that an email is taken.
A downgrade brings the column back empty (nullable): the hashes are still in the log.

Revision ID: 0012
Revises: 0011
"""

from azora.migrate import run_script

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE identity.accounts DROP COLUMN password_hash
"""

DOWNGRADE = """
ALTER TABLE identity.accounts ADD COLUMN password_hash text
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
