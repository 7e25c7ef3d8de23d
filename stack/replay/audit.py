"""Who exported personal data in clear, when, why, from which topics and which window.

An export with `--include-personal-data` is recorded before it reads anything: a row in
`azora.personal_data_exports` and a log line. If the record cannot be written, the export
does not run (a disclosure nobody can account for is the one thing this must prevent).
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from azora.db import connect
from azora.settings import Settings
from stack.replay.window import AtOffset, AtTime, Bound, Earliest

log = logging.getLogger("azora.replay.audit")

# Bounds of what an audit row holds: a reason is a sentence or a ticket, not an essay.
MAX_REASON = 1000
MAX_OPERATOR = 200

INSERT = """
INSERT INTO azora.personal_data_exports
    (os_user, operator, reason, topics, window_from, window_to)
VALUES ($1, $2, $3, $4::text[], $5, $6)
RETURNING id, exported_at
"""


class AuditUnavailable(RuntimeError):
    """The audit row could not be written, so nothing is exported in clear."""


class DisclosureRefused(ValueError):
    """An export in clear that lacks what its audit needs (a reason, bounded fields)."""


@dataclass(frozen=True)
class Disclosure:
    """Permission to write personal fields in clear: why, and who asked."""

    reason: str
    os_user: str
    operator: str | None = None

    @classmethod
    def asked(cls, reason: str | None, operator: str | None) -> Disclosure:
        """The disclosure an operator asked for on this machine, checked."""
        return cls(reason=reason or "", os_user=getpass.getuser(), operator=operator)

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise DisclosureRefused(
                "--include-personal-data needs --reason TEXT: say why personal data leaves "
                "the log in clear (it is recorded with your name)"
            )
        if len(self.reason) > MAX_REASON:
            raise DisclosureRefused(f"--reason is longer than {MAX_REASON} characters")
        if self.operator is not None and not self.operator.strip():
            raise DisclosureRefused("--operator is blank: give a name or leave it out")
        if self.operator is not None and len(self.operator) > MAX_OPERATOR:
            raise DisclosureRefused(f"--operator is longer than {MAX_OPERATOR} characters")


def describe(bound: Bound) -> str:
    """A window bound as the operator would write it on the command line."""
    if isinstance(bound, Earliest):
        return "earliest"
    if isinstance(bound, AtOffset):
        return str(bound.offset)
    if isinstance(bound, AtTime):
        return bound.at.isoformat()
    return "latest"


async def record_disclosure(
    settings: Settings,
    disclosure: Disclosure,
    topics: Sequence[str],
    start: Bound,
    stop: Bound,
) -> int:
    """Write the audit row and the log line; the row's id."""
    try:
        conn = await connect(settings.database_url)
        try:
            row = await conn.fetchrow(
                INSERT,
                disclosure.os_user,
                disclosure.operator,
                disclosure.reason.strip(),
                list(topics),
                describe(start),
                describe(stop),
            )
        finally:
            await conn.close()
    except (OSError, asyncpg.PostgresError) as exc:
        raise AuditUnavailable(
            f"cannot record the export in azora.personal_data_exports ({exc}); "
            "nothing was exported (is the database migrated and reachable?)"
        ) from exc
    assert row is not None
    log.warning(
        "personal data exported in clear (audit %s): by %s%s, from %s to %s of %s, because %r",
        row["id"],
        disclosure.os_user,
        f" for {disclosure.operator}" if disclosure.operator else "",
        describe(start),
        describe(stop),
        ", ".join(topics),
        disclosure.reason.strip(),
    )
    audit_id: int = row["id"]
    return audit_id
