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
    percent = {name: round(_share(before[name], after[name], elapsed), 2) for name in pids}
    return Usage(seconds=round(elapsed, 1), percent=percent)


def _share(first: float | None, last: float | None, elapsed: float) -> float:
    """Percent of one core between two CPU readings (a process gone at either: idle)."""
    used = last - first if first is not None and last is not None else 0.0
    return 100 * used / elapsed


def _or_none(pid: int, seconds_of: Callable[[int], float]) -> float | None:
    try:
        return seconds_of(pid)
    except (FileNotFoundError, ProcessLookupError):
        return None


def machine_ticks() -> tuple[int, int]:
    """Busy and total clock ticks of every core since boot (`/proc/stat`'s first line:
    idle and iowait are the idle ones; guest time is already inside user time)."""
    first = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    ticks = [int(field) for field in first[1:9]]  # user nice system idle iowait irq softirq steal
    idle = ticks[3] + ticks[4]
    return sum(ticks) - idle, sum(ticks)


@dataclass(frozen=True)
class WindowUsage(Usage):
    """`Usage` over a window, with how busy the whole machine was meanwhile."""

    # Percent of all the machine's cores together (100: every core busy all the time).
    machine_percent: float
    cores: int


class Window:
    """CPU over a stretch of a run: each named process's share of one core and the whole
    machine's busy share, from construction to `close()`. Tells whether a latency was
    spent waiting for a CPU (a machine near 100 %) or somewhere else."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self._started = time.monotonic()
        self._machine = machine_ticks()
        self._cpu = {name: _or_none(pid, cpu_seconds) for name, pid in pids.items()}

    def close(self) -> WindowUsage:
        elapsed = time.monotonic() - self._started
        busy, total = machine_ticks()
        percent = {
            name: round(_share(self._cpu[name], _or_none(pid, cpu_seconds), elapsed), 1)
            for name, pid in self.pids.items()
        }
        ticks = max(total - self._machine[1], 1)
        return WindowUsage(
            seconds=round(elapsed, 1),
            percent=percent,
            machine_percent=round(100 * (busy - self._machine[0]) / ticks, 1),
            cores=os.cpu_count() or 1,
        )
