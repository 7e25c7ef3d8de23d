"""Turns successive samples into statuses: one sliding window per group and partition."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from stack.lag.sampling import GroupLag, PartitionLag
from stack.lag.status import Point, Status, Window, worst


@dataclass(frozen=True)
class PartitionReport:
    """A partition's latest position and its judged status."""

    lag: PartitionLag
    status: Status


@dataclass(frozen=True)
class GroupReport:
    """A group's latest position, its partitions and its status (the worst of them)."""

    group: str
    state: str
    members: int
    replay: bool
    partitions: tuple[PartitionReport, ...]
    status: Status
    sampled_at: float

    @property
    def total_lag(self) -> int:
        return sum(p.lag.lag for p in self.partitions)

    @property
    def max_lag_seconds(self) -> float:
        return max((p.lag.lag_seconds or 0.0 for p in self.partitions), default=0.0)


def is_replay_group(group: str, prefix: str = "") -> bool:
    """Replays and projection rebuilds run in `replay-*` groups; alerts leave them out."""
    return group.removeprefix(prefix).startswith("replay-")


class LagJudge:
    """Keeps the last `window` samples of every partition and judges each new one."""

    def __init__(self, window: int, prefix: str = "") -> None:
        self._size = window
        self._prefix = prefix
        self._windows: dict[tuple[str, str, int], Window] = {}

    def observe(self, groups: Sequence[GroupLag]) -> list[GroupReport]:
        """Add one sample of every group; return what it shows."""
        seen: set[tuple[str, str, int]] = set()
        reports = []
        for group in groups:
            partitions = []
            for lag in group.partitions:
                key = (group.group, lag.topic, lag.partition)
                seen.add(key)
                window = self._windows.setdefault(key, Window(self._size))
                window.add(Point(lag.committed, lag.end))
                status = window.status(has_members=group.members > 0)
                partitions.append(PartitionReport(lag, status))
            reports.append(
                GroupReport(
                    group=group.group,
                    state=group.state,
                    members=group.members,
                    replay=is_replay_group(group.group, self._prefix),
                    partitions=tuple(partitions),
                    status=worst(p.status for p in partitions),
                    sampled_at=group.sampled_at,
                )
            )
        # A group or partition that is gone takes its history with it.
        self._windows = {k: w for k, w in self._windows.items() if k in seen}
        return reports
