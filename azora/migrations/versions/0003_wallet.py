"""The wallet: its private ledger and balances, and the wallet read models.

Revision ID: 0003
Revises: 0002
"""

from azora.migrate import run_script

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UPGRADE = """
-- private to the wallet service
CREATE SCHEMA IF NOT EXISTS wallet;

-- Append-only: a balance is the sum of its entries (credits positive, debits negative).
CREATE TABLE wallet.ledger (
    entry_id            uuid        PRIMARY KEY,
    user_id             uuid        NOT NULL,
    currency            text        NOT NULL,
    amount_minor        bigint      NOT NULL CHECK (amount_minor <> 0),
    reason              text        NOT NULL,
    reference           uuid        NOT NULL,
    balance_after_minor bigint      NOT NULL,
    created_at          timestamptz NOT NULL
);

CREATE INDEX ledger_by_wallet ON wallet.ledger (user_id, currency);

-- The running sum, locked row by row while a batch posts entries; the CHECK is the last
-- line of defence behind the ledger's own rule.
CREATE TABLE wallet.balances (
    user_id       uuid   NOT NULL,
    currency      text   NOT NULL,
    balance_minor bigint NOT NULL DEFAULT 0 CHECK (balance_minor >= 0),
    version       bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, currency)
);

CREATE TABLE read.wallet_balances (
    user_id       uuid   NOT NULL,
    currency      text   NOT NULL,
    balance_minor bigint NOT NULL,
    version       bigint NOT NULL,
    PRIMARY KEY (user_id, currency)
);

CREATE TABLE read.wallet_transactions (
    entry_id            uuid        PRIMARY KEY,
    user_id             uuid        NOT NULL,
    currency            text        NOT NULL,
    amount_minor        bigint      NOT NULL,
    reason              text        NOT NULL,
    reference           uuid        NOT NULL,
    balance_after_minor bigint      NOT NULL,
    at                  timestamptz NOT NULL
);

CREATE INDEX wallet_transactions_newest_first
    ON read.wallet_transactions (user_id, at DESC, entry_id DESC);
"""

DOWNGRADE = """
DROP TABLE read.wallet_transactions;

DROP TABLE read.wallet_balances;

DROP SCHEMA wallet CASCADE;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
