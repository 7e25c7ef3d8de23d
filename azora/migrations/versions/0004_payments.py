"""Payments: the service's private record of each PaymentIntent, and the payments read model.

Revision ID: 0004
Revises: 0003
"""

from azora.migrate import run_script

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UPGRADE = """
-- private to the payments service
CREATE SCHEMA IF NOT EXISTS payments;

CREATE TABLE payments.payments (
    payment_id               uuid        PRIMARY KEY,
    user_id                  uuid        NOT NULL,
    stripe_payment_intent_id text        NOT NULL UNIQUE,
    amount_minor             bigint      NOT NULL,
    currency                 text        NOT NULL,
    purpose                  text        NOT NULL,
    course_id                uuid,
    status                   text        NOT NULL,
    updated_at               timestamptz NOT NULL DEFAULT now()
);

-- `rank` orders statuses, so facts applied out of order never move a payment backwards.
CREATE TABLE read.payments (
    payment_id               uuid        PRIMARY KEY,
    user_id                  uuid        NOT NULL,
    status                   text        NOT NULL,
    rank                     smallint    NOT NULL,
    amount_minor             bigint,
    currency                 text,
    purpose                  text,
    client_secret            text,
    stripe_payment_intent_id text,
    reason                   text,
    updated_at               timestamptz NOT NULL DEFAULT now()
);
"""

DOWNGRADE = """
DROP TABLE read.payments;

DROP SCHEMA payments CASCADE;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
