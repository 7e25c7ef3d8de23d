"""The tutor: its own copy of course content, conversations, and the tutor read models.

Revision ID: 0008
Revises: 0007
"""

from azora.migrate import run_script

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UPGRADE = """
-- private to the tutor service (it never reads another service's tables)
CREATE SCHEMA IF NOT EXISTS tutor;

CREATE TABLE tutor.courses (
    course_id   uuid PRIMARY KEY,
    title       text NOT NULL,
    description text NOT NULL,
    category    text NOT NULL,
    level       text NOT NULL
);

CREATE TABLE tutor.lessons (
    lesson_id    uuid PRIMARY KEY,
    course_id    uuid NOT NULL,
    course_title text NOT NULL,
    title        text NOT NULL,
    content      text NOT NULL
);

CREATE TABLE tutor.messages (
    conversation_id uuid        NOT NULL,
    question_id     uuid        NOT NULL,
    role            text        NOT NULL,
    content         text        NOT NULL,
    at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (question_id, role)
);

CREATE INDEX messages_by_conversation ON tutor.messages (conversation_id, at);

CREATE TABLE read.tutor_questions (
    question_id     uuid        PRIMARY KEY,
    user_id         uuid        NOT NULL,
    conversation_id uuid,
    status          text        NOT NULL,
    rank            smallint    NOT NULL,
    answer          text,
    model           text,
    tokens_in       integer,
    tokens_out      integer,
    latency_ms      integer,
    reason          text,
    asked_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX tutor_questions_quota ON read.tutor_questions (user_id, asked_at);

CREATE TABLE read.learning_paths (
    path_id uuid     PRIMARY KEY,
    user_id uuid     NOT NULL,
    status  text     NOT NULL,
    rank    smallint NOT NULL,
    steps   jsonb,
    model   text,
    reason  text
);
"""

DOWNGRADE = """
DROP TABLE read.learning_paths;

DROP TABLE read.tutor_questions;

DROP SCHEMA tutor CASCADE;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
