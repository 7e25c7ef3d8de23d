"""`azora lag` for scripts: the reports as JSON, and an exit status a check can act on.

The exit status follows the monitoring-plugin convention (Nagios, Icinga, Sensu), so a
check that wraps `azora lag` needs no translation:

| exit | meaning |
|---|---|
| 0 | every group shown is OK |
| 1 | the worst group is WARN (falling behind, still moving) |
| 2 | the worst group is STALL, STOP or ERR (not progressing, no consumer, or broken offsets) |
| 3 | unknown: Kafka did not answer (or no sample was judged) within `--timeout` |

Replay groups (`replay-*`) are reported but never decide the exit status: a rebuild that
is catching up is not an incident.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from typing import Any

from stack.lag.report import GroupReport
from stack.lag.status import Status, worst


class Exit(enum.IntEnum):
    """The exit statuses of `azora lag`."""

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3


def exit_status(reports: Sequence[GroupReport]) -> Exit:
    """The exit status the worst non-replay group calls for."""
    status = worst(r.status for r in reports if not r.replay)
    if status is Status.OK:
        return Exit.OK
    if status is Status.WARN:
        return Exit.WARNING
    return Exit.CRITICAL


def as_json(reports: Sequence[GroupReport], *, partitions: bool) -> str:
    """The reports as one JSON document (groups sorted by name)."""
    return json.dumps(
        {
            "groups": [_group(r, partitions) for r in sorted(reports, key=lambda r: r.group)],
            "exit_status": int(exit_status(reports)),
        },
        indent=2,
    )


def _group(report: GroupReport, partitions: bool) -> dict[str, Any]:
    group: dict[str, Any] = {
        "group": report.group,
        "status": report.status.name,
        "state": report.state,
        "members": report.members,
        "replay": report.replay,
        "lag": report.total_lag,
        "lag_seconds": round(report.max_lag_seconds, 3),
        "sampled_at": report.sampled_at,
    }
    if partitions:
        group["partitions"] = [
            {
                "topic": p.lag.topic,
                "partition": p.lag.partition,
                "committed": p.lag.committed,
                "end": p.lag.end,
                "lag": p.lag.lag,
                "lag_seconds": p.lag.lag_seconds,
                "status": p.status.name,
            }
            for p in report.partitions
        ]
    return group
