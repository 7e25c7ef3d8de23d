"""Burrow-style judgement of a consumer's progress over a sliding window of samples.

Burrow (LinkedIn's lag checker) never alerts on a lag threshold: it looks at how the
committed offset and the lag moved over the last few samples. The rules here follow it:

1. The lag was zero at some point in the window: OK (the consumer keeps up).
2. The committed offset went backwards, or lies past the log end: ERR.
3. The committed offset did not move while there was lag all along: nobody is making
   progress. STALL when the group still has members (a consumer is there but stuck),
   STOP when it has none (no consumer is there to commit).
4. The offset moved but the lag never fell and ended higher: WARN (falling behind).
5. Otherwise OK.

One departure: Burrow tells STALL from STOP by the time of the last commit, read from
`__consumer_offsets`. Kafka's offset-fetch API does not return commit times, so we use
the group's membership instead; for consumers that commit only when they progress (ours)
the two agree.
"""

from __future__ import annotations

import enum
import itertools
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass


class Status(enum.IntEnum):
    """Ordered by severity: a group's status is its worst partition's."""

    OK = 0
    WARN = 1
    STALL = 2
    STOP = 3
    ERR = 4


@dataclass(frozen=True)
class Point:
    """One sample of one partition."""

    committed: int
    end: int

    @property
    def lag(self) -> int:
        return max(0, self.end - self.committed)


class Window:
    """The last `size` samples of one partition of one group."""

    def __init__(self, size: int) -> None:
        if size < 2:
            raise ValueError("a window needs at least two samples to show movement")
        self._points: deque[Point] = deque(maxlen=size)

    def add(self, point: Point) -> None:
        self._points.append(point)

    @property
    def points(self) -> tuple[Point, ...]:
        return tuple(self._points)

    def status(self, *, has_members: bool) -> Status:
        """The partition's status given what the window holds."""
        return judge(self._points, has_members=has_members)


def judge(points: Iterable[Point], *, has_members: bool) -> Status:
    """Apply the rules above to a partition's samples, oldest first."""
    window = list(points)
    if not window:
        return Status.OK
    if any(p.committed > p.end for p in window) or any(
        later.committed < earlier.committed for earlier, later in itertools.pairwise(window)
    ):
        return Status.ERR
    if any(p.lag == 0 for p in window):
        return Status.OK
    if len(window) < 2:
        # One lagging sample says nothing about movement yet.
        return Status.OK
    first, last = window[0], window[-1]
    if first.committed == last.committed:
        return Status.STALL if has_members else Status.STOP
    lags = [p.lag for p in window]
    if all(b >= a for a, b in itertools.pairwise(lags)) and lags[-1] > lags[0]:
        return Status.WARN
    return Status.OK


def worst(statuses: Iterable[Status]) -> Status:
    """A group's status: its worst partition's (OK for a group with no partitions)."""
    return max(statuses, default=Status.OK)
