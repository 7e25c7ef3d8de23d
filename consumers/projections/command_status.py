"""The command_status projection: every command's outcome, and a NOTIFY when it settles."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from pydantic import BaseModel

from azora import channels
from azora.consume.service import service, subscribe
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event, header_value
from schemas.catalogue import CATALOGUE
from schemas.envelope import HEADER_REQUEST_FINGERPRINT

# A settled status never goes back to pending: the command and its outcome travel on
# different topics, so the outcome may well be applied first.
UPSERT = """
INSERT INTO command_status (command_id, type, status, reason, settled_by, settled_ids, fingerprint)
SELECT t.command_id, t.type, t.status, t.reason, t.settled_by, t.settled_ids::jsonb, t.fingerprint
FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
     AS t(command_id, type, status, reason, settled_by, settled_ids, fingerprint)
ON CONFLICT (command_id) DO UPDATE SET
    type = COALESCE(command_status.type, EXCLUDED.type),
    fingerprint = COALESCE(command_status.fingerprint, EXCLUDED.fingerprint),
    status = CASE WHEN command_status.status = 'pending'
                  THEN EXCLUDED.status ELSE command_status.status END,
    reason = CASE WHEN command_status.status = 'pending'
                  THEN EXCLUDED.reason ELSE command_status.reason END,
    settled_by = CASE WHEN command_status.status = 'pending'
                      THEN EXCLUDED.settled_by ELSE command_status.settled_by END,
    settled_ids = CASE WHEN command_status.status = 'pending'
                       THEN EXCLUDED.settled_ids ELSE command_status.settled_ids END,
    updated_at = now()
"""

NOTIFY = "SELECT pg_notify($1, id::text) FROM unnest($2::uuid[]) AS t(id)"


@dataclass(frozen=True)
class StatusRow:
    """What one or more events say about one command."""

    command_id: uuid.UUID
    status: str
    type: str | None = None
    reason: str | None = None
    # The settling event's type and the ids its payload names: the ingress makes the
    # command's HTTP links from them (the contract knows no URL).
    settled_by: str | None = None
    settled_ids: dict[str, str] | None = None
    fingerprint: str | None = None


def status_of(event: Event[BaseModel]) -> StatusRow:
    """What `event` says about the command it correlates with."""
    spec = event.spec
    payload = event.payload.model_dump(mode="json")
    command_id = event.envelope.correlation_id
    if spec.outcome == "pending":
        fingerprint = header_value(event.headers, HEADER_REQUEST_FINGERPRINT)
        return StatusRow(
            command_id,
            "pending",
            type=spec.type,
            fingerprint=fingerprint.decode() if fingerprint else None,
        )
    ids = {
        name: value for name, value in payload.items() if name.endswith("_id") and value is not None
    }
    reason = payload.get("reason") if spec.outcome == "rejected" else None
    return StatusRow(
        command_id, str(spec.outcome), reason=reason, settled_by=spec.type, settled_ids=ids
    )


def fold(rows: Sequence[StatusRow]) -> list[StatusRow]:
    """One row per command: a settled status wins over pending, the command's type is kept."""
    folded: dict[uuid.UUID, StatusRow] = {}
    for row in rows:
        seen = folded.get(row.command_id)
        if seen is None:
            folded[row.command_id] = row
        elif seen.status == "pending":
            folded[row.command_id] = replace(
                row, type=seen.type or row.type, fingerprint=seen.fingerprint or row.fingerprint
            )
        elif row.status == "pending":
            folded[row.command_id] = replace(seen, type=row.type, fingerprint=row.fingerprint)
    return list(folded.values())


async def on_command_event(events: Sequence[Event[BaseModel]], uow: UnitOfWork) -> None:
    """Record each command's status; wake `?wait=` requests for those that settled."""
    rows = fold([status_of(event) for event in events])
    await uow.conn.execute(
        UPSERT,
        [r.command_id for r in rows],
        [r.type for r in rows],
        [r.status for r in rows],
        [r.reason for r in rows],
        [r.settled_by for r in rows],
        [json.dumps(r.settled_ids or {}) for r in rows],
        [r.fingerprint for r in rows],
    )
    settled = [r.command_id for r in rows if r.status != "pending"]
    if settled:
        # Delivered at commit, when a waiting request can read the settled row.
        await uow.conn.execute(NOTIFY, channels.COMMAND_STATUS, settled)


# Every topic that says something about a command. Monotonic: a status only leaves
# `pending`, and a settled one never changes. A repeat re-sends a NOTIFY, which wakes a
# waiter that then reads the same answer.
COMMAND_STATUS = service(
    "command_status",
    *(
        subscribe(spec, on_command_event, replay_safe=True)
        for spec in CATALOGUE
        if spec.outcome is not None
    ),
    tables=("command_status",),
)
