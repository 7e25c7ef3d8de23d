"""The spine: consume-loop bookkeeping, identity's private state, account read models.

Revision ID: 0001
Revises:
"""

from azora.migrate import run_script

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UPGRADE = """
-- the consume loop's own bookkeeping
CREATE SCHEMA IF NOT EXISTS azora;

-- private to the identity service
CREATE SCHEMA IF NOT EXISTS identity;

-- read models, each table written by one projection
CREATE SCHEMA IF NOT EXISTS read;

-- Which events a consumer group has applied; a redelivered event id is skipped.
CREATE TABLE azora.inbox (
    group_id    text        NOT NULL,
    event_id    uuid        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, event_id)
);

-- The next offset to read per (group, topic, partition): the truth a consumer seeks to.
CREATE TABLE azora.consumer_offsets (
    group_id    text        NOT NULL,
    topic       text        NOT NULL,
    partition   integer     NOT NULL,
    next_offset bigint      NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, topic, partition)
);

-- Events written in the same transaction as the state that caused them; the relay sends them.
CREATE TABLE azora.outbox (
    id            bigserial   PRIMARY KEY,
    topic         text        NOT NULL,
    key           bytea,
    value         bytea       NOT NULL,
    -- [[name, base64 value], ...]: dead letters copy headers that may not be text.
    headers       jsonb       NOT NULL DEFAULT '[]',
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- One notification per statement wakes the relay; it never polls in a tight loop.
CREATE FUNCTION azora.notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('azora_outbox', '');
    RETURN NULL;
END $$;

CREATE TRIGGER outbox_notify AFTER INSERT ON azora.outbox
    FOR EACH STATEMENT EXECUTE FUNCTION azora.notify_outbox();

CREATE TABLE identity.accounts (
    user_id       uuid        PRIMARY KEY,
    email         text        NOT NULL UNIQUE,
    display_name  text        NOT NULL,
    password_hash text        NOT NULL,
    created_at    timestamptz NOT NULL
);

CREATE TABLE identity.mfa (
    user_id        uuid        PRIMARY KEY,
    pending_secret text,
    active_secret  text,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE read.users (
    user_id       uuid        PRIMARY KEY,
    email         text        NOT NULL UNIQUE,
    display_name  text        NOT NULL,
    roles         text[]      NOT NULL,
    mfa_enabled   boolean     NOT NULL DEFAULT false,
    registered_at timestamptz NOT NULL
);

-- Kept apart from the profile so a query for a profile never touches a secret.
CREATE TABLE read.credentials (
    user_id       uuid PRIMARY KEY,
    email         text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    mfa_secret    text
);

CREATE TABLE read.sessions (
    session_id     uuid        PRIMARY KEY,
    user_id        uuid        NOT NULL,
    generation     integer     NOT NULL DEFAULT 0,
    started_at     timestamptz,
    expires_at     timestamptz,
    revoked_at     timestamptz,
    revoked_reason text
);

CREATE TABLE read.command_status (
    command_id  uuid        PRIMARY KEY,
    type        text,
    status      text        NOT NULL CHECK (status IN ('pending', 'succeeded', 'rejected')),
    reason      text,
    links       jsonb       NOT NULL DEFAULT '{}',
    fingerprint text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
"""

DOWNGRADE = """
DROP SCHEMA read CASCADE;

DROP SCHEMA identity CASCADE;

DROP SCHEMA azora CASCADE;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
