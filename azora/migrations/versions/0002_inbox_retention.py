"""Index the inbox by age, so old ids can be pruned without scanning it.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX inbox_received_at ON azora.inbox (received_at)")


def downgrade() -> None:
    op.execute("DROP INDEX azora.inbox_received_at")
