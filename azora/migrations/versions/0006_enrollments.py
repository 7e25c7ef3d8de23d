"""Enrolments: the learning service's private record, and the enrolments read model.

Revision ID: 0006
Revises: 0005
"""

from azora.migrate import run_script

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE learning.enrollments (
    enrollment_id         uuid        PRIMARY KEY,
    user_id               uuid        NOT NULL,
    course_id             uuid        NOT NULL,
    status                text        NOT NULL,
    total_lessons         integer     NOT NULL,
    completed_lesson_ids  uuid[]      NOT NULL DEFAULT '{}',
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- One live enrolment per user and course; a rejected one may be tried again.
CREATE UNIQUE INDEX enrollments_one_live ON learning.enrollments (user_id, course_id)
    WHERE status <> 'rejected';

CREATE TABLE read.enrollments (
    enrollment_id     uuid        PRIMARY KEY,
    user_id           uuid        NOT NULL,
    course_id         uuid        NOT NULL,
    status            text        NOT NULL,
    rank              smallint    NOT NULL,
    reason            text,
    completed_lessons integer     NOT NULL DEFAULT 0,
    total_lessons     integer,
    progress_percent  integer     NOT NULL DEFAULT 0,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX enrollments_by_user ON read.enrollments (user_id, updated_at DESC);
"""

DOWNGRADE = """
DROP TABLE read.enrollments;

DROP TABLE learning.enrollments;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
