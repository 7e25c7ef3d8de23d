"""The audit of exports that wrote personal data in clear.

azora.personal_data_exports: one row per `azora replay export --include-personal-data`,
written before the export reads anything: the OS user, the operator named with
`--operator` (if any), the reason, the physical topics and the window as given. Rows are
never updated or deleted by the platform; they hold no personal data of the users whose
events were exported, only the operators' names.

Revision ID: 0025
Revises: 0024
"""

from azora.migrate import run_script

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE IF NOT EXISTS azora.personal_data_exports (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    exported_at timestamptz NOT NULL DEFAULT now(),
    os_user     text        NOT NULL CHECK (length(os_user) BETWEEN 1 AND 200),
    operator    text        CHECK (length(operator) BETWEEN 1 AND 200),
    reason      text        NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 1000),
    topics      text[]      NOT NULL,
    window_from text        NOT NULL,
    window_to   text        NOT NULL
)
"""

DOWNGRADE = "DROP TABLE IF EXISTS azora.personal_data_exports"


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
