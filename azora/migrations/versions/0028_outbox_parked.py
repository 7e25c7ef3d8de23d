"""Outbox rows the broker can never take are parked beside the outbox, not retried for ever.

A row the relay cannot send for a reason the row itself carries (larger than the broker or
the producer accepts, a topic name Kafka refuses) would otherwise stop every row behind it.
The relay moves it here with the broker's reason, in the transaction that deletes the rows it
sent; an operator re-queues it once the cause is fixed (docs/runbooks/AzoraOutboxRowsParked.md).

Revision ID: 0028
Revises: 0027
"""

from azora.migrate import run_script

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE IF NOT EXISTS azora.outbox_parked (
    id          bigint      PRIMARY KEY,
    topic       text        NOT NULL,
    key         bytea,
    value       bytea       NOT NULL,
    headers     jsonb       NOT NULL,
    created_at  timestamptz NOT NULL,
    parked_at   timestamptz NOT NULL DEFAULT now(),
    reason      text        NOT NULL
)
"""

DOWNGRADE = "DROP TABLE IF EXISTS azora.outbox_parked"


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
