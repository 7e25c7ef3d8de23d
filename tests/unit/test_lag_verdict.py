"""`azora lag` for scripts: the exit status follows the worst group (replays aside) in the
monitoring-plugin convention, and the JSON carries what the table shows."""

from __future__ import annotations

import json

import pytest

from stack.lag.report import GroupReport, PartitionReport
from stack.lag.sampling import PartitionLag
from stack.lag.status import Status
from stack.lag.verdict import Exit, as_json, exit_status


def a_group(status: Status, *, name: str = "identity", replay: bool = False) -> GroupReport:
    lag = PartitionLag(topic="user.registered", partition=0, committed=7, end=10, lag_seconds=2.5)
    return GroupReport(
        group=name,
        state="Stable",
        members=1,
        replay=replay,
        partitions=(PartitionReport(lag, status),),
        status=status,
        sampled_at=1_700_000_000.0,
    )


@pytest.mark.parametrize(
    ("worst", "expected"),
    [
        (Status.OK, Exit.OK),
        (Status.WARN, Exit.WARNING),
        (Status.STALL, Exit.CRITICAL),
        (Status.STOP, Exit.CRITICAL),
        (Status.ERR, Exit.CRITICAL),
    ],
)
def test_the_exit_status_is_the_worst_groups(worst: Status, expected: Exit) -> None:
    reports = [a_group(Status.OK, name="a"), a_group(worst, name="b")]
    assert exit_status(reports) is expected


def test_a_lagging_replay_group_does_not_decide_the_exit_status() -> None:
    reports = [a_group(Status.OK), a_group(Status.STOP, name="replay-users", replay=True)]
    assert exit_status(reports) is Exit.OK


def test_no_groups_at_all_is_ok() -> None:
    assert exit_status([]) is Exit.OK


def test_the_json_names_each_groups_status_lag_and_partitions() -> None:
    document = json.loads(as_json([a_group(Status.WARN)], partitions=True))
    assert document["exit_status"] == 1
    [group] = document["groups"]
    assert group["group"] == "identity"
    assert group["status"] == "WARN"
    assert group["lag"] == 3
    assert group["lag_seconds"] == 2.5
    assert group["partitions"] == [
        {
            "topic": "user.registered",
            "partition": 0,
            "committed": 7,
            "end": 10,
            "lag": 3,
            "lag_seconds": 2.5,
            "status": "WARN",
        }
    ]


def test_without_partitions_the_json_has_a_line_per_group_only() -> None:
    document = json.loads(as_json([a_group(Status.OK)], partitions=False))
    assert "partitions" not in document["groups"][0]
