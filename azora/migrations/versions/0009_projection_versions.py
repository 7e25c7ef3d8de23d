"""Projection versions: which set of a projection's tables is live, and rebuilds under way.

Revision ID: 0009
Revises: 0008
"""

from azora.migrate import run_script

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UPGRADE = """
-- No row for a projection means version 1: the tables the migrations created.
CREATE TABLE azora.projection_versions (
    projection  text        NOT NULL,
    version     integer     NOT NULL CHECK (version >= 2),
    state       text        NOT NULL CHECK (state IN ('building', 'live', 'retired', 'abandoned')),
    group_id    text        NOT NULL,
    shadow      text        NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    swapped_at  timestamptz,
    PRIMARY KEY (projection, version)
);

-- At most one rebuild of a projection at a time.
CREATE UNIQUE INDEX projection_versions_one_building
    ON azora.projection_versions (projection) WHERE state = 'building'
"""

DOWNGRADE = """
DROP TABLE azora.projection_versions
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
