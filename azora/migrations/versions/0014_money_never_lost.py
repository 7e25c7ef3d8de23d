"""Money that is never lost: partial refunds, cancelled checkouts, known recipients, re-enrolment.

- payments.payments.refunded_minor: how much Stripe has refunded of a payment (a partial
  refund is recorded as such); read.payments gets the same column, and its ranks are
  renumbered for the statuses a payment now has (failed < succeeded < partially_refunded
  < refunded), in the live table and in a rebuild's shadow copy.
- payments.cancellations: checkouts learning superseded, remembered even when the
  cancel request arrives before the payment's own request (they travel on two topics).
- wallet.users: the users the wallet knows of (from user.registered): a transfer goes
  to an existing user only. It starts empty: the wallet has no stored offset for
  user.registered, so it reads the topic (kept for ever) from the beginning and learns
  every user registered before this release.
- learning.enrollments: only an enrolment in flight or confirmed blocks another one; a
  revoked (refunded) or superseded one no longer does.

Revision ID: 0014
Revises: 0012
"""

from azora.migrate import run_script
from azora.migration_copies import on_every_copy

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# Each statement runs on the live table and on a rebuild's shadow copy, if one is building
# (`azora.migration_copies`): `%1$I` is the copy's schema.
_READ_UP = """
ALTER TABLE %1$I.payments ADD COLUMN IF NOT EXISTS refunded_minor bigint;
UPDATE %1$I.payments SET rank = CASE status
    WHEN 'requested' THEN 0 WHEN 'requires_payment_method' THEN 1 WHEN 'failed' THEN 2
    WHEN 'succeeded' THEN 3 WHEN 'partially_refunded' THEN 4 WHEN 'refunded' THEN 5
    ELSE rank END
"""

_READ_DOWN = """
ALTER TABLE %1$I.payments DROP COLUMN IF EXISTS refunded_minor;
UPDATE %1$I.payments SET rank = CASE status
    WHEN 'requested' THEN 0 WHEN 'requires_payment_method' THEN 1 WHEN 'failed' THEN 2
    WHEN 'succeeded' THEN 2 WHEN 'refunded' THEN 3 ELSE rank END
"""

UPGRADE = f"""
ALTER TABLE payments.payments ADD COLUMN refunded_minor bigint NOT NULL DEFAULT 0

CREATE TABLE payments.cancellations (
    payment_id   uuid        PRIMARY KEY,
    reason       text        NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now()
)

CREATE TABLE wallet.users (
    user_id       uuid        PRIMARY KEY,
    registered_at timestamptz NOT NULL
)

DROP INDEX learning.enrollments_one_live

CREATE UNIQUE INDEX enrollments_one_live ON learning.enrollments (user_id, course_id)
    WHERE status IN ('awaiting_payment', 'confirmed')

{on_every_copy("payment_views", "payments", _READ_UP, schema_comment=True)}
"""

DOWNGRADE = f"""
{on_every_copy("payment_views", "payments", _READ_DOWN, schema_comment=True)}

DROP INDEX learning.enrollments_one_live

CREATE UNIQUE INDEX enrollments_one_live ON learning.enrollments (user_id, course_id)
    WHERE status <> 'rejected'

DROP TABLE wallet.users

DROP TABLE payments.cancellations

ALTER TABLE payments.payments DROP COLUMN refunded_minor
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
