"""CPU time of processes, read from /proc: how much of one core a set of processes used."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    return stat[stat.rindex(")") + 2 :].split()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far, every thread counted."""
    fields = _stat(pid)
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / TICKS_PER_SECOND


def tree_cpu_seconds(root: int) -> float:
    """CPU time of `root` and its children so far, the running ones and those that exited.

    For a process that forks short-lived workers (a Postgres cluster: a backend per
    connection, an autovacuum worker per visit to a database): an exited child's time moves
    into its parent's counters of reaped children, so the sum never loses it.
    """
    fields = _stat(root)
    ticks = sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    total = ticks / TICKS_PER_SECOND
    for child in _children(root):
        # One that exits between the listing and the read counts as reaped next time.
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            total += cpu_seconds(child)
    return total


def parent_of(pid: int) -> int:
    """The pid of a process's parent."""
    return int(_stat(pid)[1])


def _children(parent: int) -> list[int]:
    listed = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True)
    return [int(pid) for pid in listed.stdout.split()]


@dataclass(frozen=True)
class Usage:
    """Each process's share of one core over a window, in percent."""

    seconds: float
    percent: dict[str, float]

    @property
    def total(self) -> float:
        """All the processes together, in percent of one core."""
        return sum(self.percent.values())


def sample(pids: dict[str, int], seconds: float, trees: frozenset[str] = frozenset()) -> Usage:
    """Each process's CPU over the next `seconds` (a process that exits counts as idle);
    those named in `trees` with their children's (`tree_cpu_seconds`)."""

    def read(name: str, pid: int) -> float | None:
        return _or_none(pid, tree_cpu_seconds if name in trees else cpu_seconds)

    before = {name: read(name, pid) for name, pid in pids.items()}
    started = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - started
    after = {name: read(name, pid) for name, pid in pids.items()}
    percent = {}
    for name in pids:
        first, last = before[name], after[name]
        used = last - first if first is not None and last is not None else 0.0
        percent[name] = round(100 * used / elapsed, 2)
    return Usage(seconds=round(elapsed, 1), percent=percent)


def _or_none(pid: int, seconds_of: Callable[[int], float]) -> float | None:
    try:
        return seconds_of(pid)
    except (FileNotFoundError, ProcessLookupError):
        return None
