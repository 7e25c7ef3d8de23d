"""Access to lesson content, quotas counted where they are decided, MFA that holds.

- The tutor keeps who may read a course's lessons (its instructor, confirmed enrolments,
  admins), learnt from events, and counts each user's questions and learning paths in its
  own schema, in the transaction that admits them.
- `read.credentials` keeps the last TOTP time step used at login (a code works once), the
  hashes of unused recovery codes, and the MFA version (enable and disable travel on two
  topics: the later change wins whatever order they arrive in). identity keeps the version.

Revision ID: 0013
Revises: 0012
"""

from azora.migrate import run_script

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE tutor.courses ADD COLUMN instructor_id uuid;

CREATE TABLE tutor.enrollments (
    enrollment_id uuid     PRIMARY KEY,
    user_id       uuid     NOT NULL,
    course_id     uuid     NOT NULL,
    status        text     NOT NULL,
    rank          smallint NOT NULL
);

CREATE INDEX tutor_enrollments_by_reader ON tutor.enrollments (user_id, course_id);

CREATE TABLE tutor.admins (
    user_id uuid PRIMARY KEY
);

-- One row per admitted question or learning path: the quota counts these.
CREATE TABLE tutor.usage (
    command_id uuid        PRIMARY KEY,
    user_id    uuid        NOT NULL,
    kind       text        NOT NULL,
    at         timestamptz NOT NULL
);

CREATE INDEX tutor_usage_by_user ON tutor.usage (user_id, kind, at);

ALTER TABLE identity.mfa ADD COLUMN version integer NOT NULL DEFAULT 0;

ALTER TABLE read.credentials
    ADD COLUMN last_totp_step bigint  NOT NULL DEFAULT 0,
    ADD COLUMN recovery_codes text[]  NOT NULL DEFAULT '{}',
    ADD COLUMN mfa_version    integer NOT NULL DEFAULT 0;
"""

DOWNGRADE = """
ALTER TABLE read.credentials
    DROP COLUMN mfa_version,
    DROP COLUMN recovery_codes,
    DROP COLUMN last_totp_step;

ALTER TABLE identity.mfa DROP COLUMN version;

DROP TABLE tutor.usage;

DROP TABLE tutor.admins;

DROP TABLE tutor.enrollments;

ALTER TABLE tutor.courses DROP COLUMN instructor_id;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
