"""Stripe client secrets are stored only sealed for the ingress, and only while needed.

- read.payments.client_secret (the secret in clear) is dropped; read.payments
  .client_secret_sealed holds what `payment.intent_created.v2` carries: the secret
  AES-GCM-sealed for the ingress (`azora.payment_sealing`), which the projection drops
  once the payment is settled. A payment open during the upgrade shows no secret until
  the projection applies its version 2 event; one created by an older release's version 1
  event shows none at all (the user starts a new payment).

The statements run on the live table and on a rebuild's shadow copy, if one is building.
A downgrade brings the clear column back empty: the clear secrets are gone for good.

Revision ID: 0024
Revises: 0023
"""

from azora.migrate import run_script
from azora.migration_copies import on_every_copy

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

# `%1$I` is the schema of the copy (`azora.migration_copies`).
_READ_UP = """
ALTER TABLE %1$I.payments ADD COLUMN IF NOT EXISTS client_secret_sealed text;
ALTER TABLE %1$I.payments DROP COLUMN IF EXISTS client_secret
"""

_READ_DOWN = """
ALTER TABLE %1$I.payments ADD COLUMN IF NOT EXISTS client_secret text;
ALTER TABLE %1$I.payments DROP COLUMN IF EXISTS client_secret_sealed
"""

UPGRADE = on_every_copy("payment_views", "payments", _READ_UP, schema_comment=True)
DOWNGRADE = on_every_copy("payment_views", "payments", _READ_DOWN, schema_comment=True)


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
