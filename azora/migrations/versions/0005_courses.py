"""Courses: the learning service's private catalogue, and the searchable courses read model.

Revision ID: 0005
Revises: 0004
"""

from azora.migrate import run_script

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UPGRADE = """
-- private to the learning service
CREATE SCHEMA IF NOT EXISTS learning;

CREATE TABLE learning.courses (
    course_id     uuid        PRIMARY KEY,
    instructor_id uuid        NOT NULL,
    price_minor   bigint      NOT NULL,
    currency      text        NOT NULL,
    lesson_ids    uuid[]      NOT NULL,
    published_at  timestamptz NOT NULL
);

CREATE TABLE read.courses (
    course_id     uuid        PRIMARY KEY,
    instructor_id uuid        NOT NULL,
    title         text        NOT NULL,
    description   text        NOT NULL,
    category      text        NOT NULL,
    level         text        NOT NULL,
    price_minor   bigint      NOT NULL,
    currency      text        NOT NULL,
    modules       jsonb       NOT NULL,
    published_at  timestamptz NOT NULL,
    search        tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title), 'A') ||
        setweight(to_tsvector('simple', description), 'B')
    ) STORED
);

CREATE INDEX courses_search ON read.courses USING gin (search);

CREATE INDEX courses_browse ON read.courses (category, level, published_at DESC);
"""

DOWNGRADE = """
DROP TABLE read.courses;

DROP SCHEMA learning CASCADE;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
