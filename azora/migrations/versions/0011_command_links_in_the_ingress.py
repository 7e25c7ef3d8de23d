"""Command status records what settled a command, not its HTTP links.

The ingress owns its URLs: a settled command now keeps the type of the event that
settled it and the ids that event names, and the ingress makes the links from them.
Existing rows are converted from their stored links (the links of this release), in
the live table and in the shadow copy of a command_status rebuild under way.

Revision ID: 0011
Revises: 0010
"""

from azora.migrate import run_script
from azora.migration_copies import on_every_copy

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Which event settled a command, told by the names of its links; the ids from their URLs.
_SETTLED_FROM_LINKS = """
UPDATE %1$I.command_status SET
    settled_by = CASE
        WHEN links ? 'login' THEN 'UserRegistered'
        WHEN links ? 'me' THEN 'UserMfaEnabled'
        WHEN links ? 'enrollments' AND links ? 'course' THEN 'EnrollmentConfirmed'
        WHEN links ? 'enrollments' THEN 'EnrollmentProgressed'
        WHEN links ? 'course' THEN 'CoursePublished'
        WHEN links ? 'payment' AND links ? 'wallet' THEN 'PaymentRefunded'
        WHEN links ? 'payment' THEN 'PaymentIntentCreated'
        WHEN links ? 'transactions' THEN 'WalletTransferCompleted'
        WHEN links ? 'question' THEN 'TutorAnswered'
        WHEN links ? 'path' THEN 'LearningPathGenerated'
    END,
    settled_ids = jsonb_strip_nulls(jsonb_build_object(
        'course_id', substring(links->>'course' from '^/v1/courses/(.+)$'),
        'payment_id', substring(links->>'payment' from '^/v1/payments/(.+)$'),
        'question_id', substring(links->>'question' from '^/v1/tutor/questions/(.+)$'),
        'path_id', substring(links->>'path' from '^/v1/learning-paths/(.+)$')
    ))
WHERE links <> '{}'
"""

# The inverse, with this release's templates.
_LINKS_FROM_SETTLED = """
UPDATE %1$I.command_status SET links = CASE settled_by
    WHEN 'UserRegistered' THEN jsonb_build_object('me', '/v1/me', 'login', '/v1/auth/login')
    WHEN 'UserMfaEnabled' THEN jsonb_build_object('me', '/v1/me')
    WHEN 'CoursePublished' THEN
        jsonb_build_object('course', '/v1/courses/' || (settled_ids->>'course_id'))
    WHEN 'EnrollmentConfirmed' THEN jsonb_build_object(
        'enrollments', '/v1/enrollments', 'course', '/v1/courses/' || (settled_ids->>'course_id'))
    WHEN 'EnrollmentProgressed' THEN jsonb_build_object('enrollments', '/v1/enrollments')
    WHEN 'PaymentIntentCreated' THEN
        jsonb_build_object('payment', '/v1/payments/' || (settled_ids->>'payment_id'))
    WHEN 'PaymentRefunded' THEN jsonb_build_object(
        'payment', '/v1/payments/' || (settled_ids->>'payment_id'), 'wallet', '/v1/wallet')
    WHEN 'WalletTransferCompleted' THEN
        jsonb_build_object('wallet', '/v1/wallet', 'transactions', '/v1/wallet/transactions')
    WHEN 'TutorAnswered' THEN jsonb_build_object(
        'question', '/v1/tutor/questions/' || (settled_ids->>'question_id'))
    WHEN 'LearningPathGenerated' THEN
        jsonb_build_object('path', '/v1/learning-paths/' || (settled_ids->>'path_id'))
    ELSE '{}'::jsonb
END
WHERE status = 'succeeded'
"""


# Each statement runs on the live table and on a rebuild's shadow copy, if one is building
# (`azora.migration_copies`): `%1$I` is the copy's schema.
def _on_every_copy(*statements: str) -> str:
    return "\n\n".join(
        on_every_copy(
            "command_status", "command_status", statement.strip(), schema_comment=True
        ).strip()
        for statement in statements
    )


UPGRADE = _on_every_copy(
    "ALTER TABLE %1$I.command_status ADD COLUMN settled_by text, "
    "ADD COLUMN settled_ids jsonb NOT NULL DEFAULT '{}'",
    _SETTLED_FROM_LINKS,
    "ALTER TABLE %1$I.command_status DROP COLUMN links",
)

DOWNGRADE = _on_every_copy(
    "ALTER TABLE %1$I.command_status ADD COLUMN links jsonb NOT NULL DEFAULT '{}'",
    _LINKS_FROM_SETTLED,
    "ALTER TABLE %1$I.command_status DROP COLUMN settled_by, DROP COLUMN settled_ids",
)


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
