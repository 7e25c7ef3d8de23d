"""How events settle a command's status."""

from __future__ import annotations

import uuid

from consumers.projections.command_status import StatusRow, fold


def test_a_settled_status_beats_pending_whatever_the_order() -> None:
    command = uuid.uuid4()
    pending = StatusRow(command, "pending", type="UserRegistrationRequested", fingerprint="f")
    done = StatusRow(
        command, "succeeded", settled_by="UserMfaEnabled", settled_ids={"user_id": "u"}
    )
    for rows in ([pending, done], [done, pending]):
        (row,) = fold(rows)
        assert row.status == "succeeded"
        assert row.settled_by == "UserMfaEnabled"
        assert row.settled_ids == {"user_id": "u"}
        assert row.type == "UserRegistrationRequested"
        assert row.fingerprint == "f"


def test_each_command_gets_one_row() -> None:
    rows = [StatusRow(uuid.uuid4(), "pending") for _ in range(3)]
    assert len(fold(rows + rows)) == 3
