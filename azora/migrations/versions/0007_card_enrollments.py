"""Enrolments paid by card: remember the payment and the command to settle.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE learning.enrollments ADD COLUMN payment_id uuid, ADD COLUMN command_id uuid"
    )
    op.execute("CREATE UNIQUE INDEX enrollments_by_payment ON learning.enrollments (payment_id)")


def downgrade() -> None:
    op.execute("DROP INDEX learning.enrollments_by_payment")
    op.execute("ALTER TABLE learning.enrollments DROP COLUMN payment_id, DROP COLUMN command_id")
