"""The tutor forgets erased users: conversation rows name their user, and erasures are kept.

tutor.messages.user_id: whose words a row holds, so `user.erased` deletes them (rows
written before this revision have none; a conversation the user continued afterwards is
still found by its id). tutor.erased_users: the ids the tutor was told were erased, so a
question of theirs it answers later (a race between partitions) records no words.
read.tutor_erased_users (on the live tables and on a rebuild's shadow copy of the tutor
projection, if one is building): the same ids in the tutor projection's own tables, so a
rebuild that reads version 1 events (in clear) after `user.erased` does not write them back.

Revision ID: 0027
Revises: 0026
"""

from azora.migrate import run_script
from azora.migration_copies import on_every_copy

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

_READ_UP = "CREATE TABLE IF NOT EXISTS %1$I.tutor_erased_users (user_id uuid PRIMARY KEY)"

UPGRADE = """
ALTER TABLE tutor.messages ADD COLUMN IF NOT EXISTS user_id uuid;

CREATE INDEX IF NOT EXISTS messages_by_user ON tutor.messages (user_id);

CREATE TABLE IF NOT EXISTS tutor.erased_users (user_id uuid PRIMARY KEY);

""" + on_every_copy("tutor_views", "tutor_questions", _READ_UP)

DOWNGRADE = (
    on_every_copy("tutor_views", "tutor_questions", "DROP TABLE IF EXISTS %1$I.tutor_erased_users")
    + """

DROP TABLE IF EXISTS tutor.erased_users;

DROP INDEX IF EXISTS tutor.messages_by_user;

ALTER TABLE tutor.messages DROP COLUMN IF EXISTS user_id;
"""
)


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
