"""Dead letters as a read model: what failed, where, why, and whether it was re-driven.

Revision ID: 0010
Revises: 0009
"""

from azora.migrate import run_script

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UPGRADE = """
-- One row per record on a dead-letter topic. Origin and cause come from its dlq.* headers,
-- so they may be missing when something else wrote to the topic.
CREATE TABLE read.dead_letters (
    id               uuid        PRIMARY KEY,
    dlq_topic        text        NOT NULL,
    dlq_partition    integer     NOT NULL,
    dlq_offset       bigint      NOT NULL,
    origin_topic     text,
    origin_partition integer,
    origin_offset    bigint,
    group_id         text,
    error            text        NOT NULL,
    error_kind       text,
    attempts         integer,
    failed_at        timestamptz NOT NULL,
    key              bytea,
    value            bytea,
    headers          jsonb       NOT NULL,
    event_id         uuid,
    event_type       text,
    redriven_at      timestamptz,
    redriven_by      text
);

CREATE INDEX dead_letters_by_time ON read.dead_letters (failed_at DESC, id);

CREATE INDEX dead_letters_by_origin ON read.dead_letters (origin_topic, failed_at DESC);

-- The latest re-drive of each dead letter, whichever of the two topics a rebuild reads
-- first: a dead letter's row copies it when it arrives after its re-drive.
CREATE TABLE read.dead_letter_redrives (
    id          uuid        PRIMARY KEY,
    redriven_at timestamptz NOT NULL,
    redriven_by text        NOT NULL
)
"""

DOWNGRADE = """
DROP TABLE read.dead_letter_redrives;

DROP TABLE read.dead_letters
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
