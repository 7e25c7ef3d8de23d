"""CPU time of processes, read from /proc: how much of one core a set of processes used."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far, every thread counted."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / TICKS_PER_SECOND


@dataclass(frozen=True)
class Usage:
    """Each process's share of one core over a window, in percent."""

    seconds: float
    percent: dict[str, float]

    @property
    def total(self) -> float:
        """All the processes together, in percent of one core."""
        return sum(self.percent.values())


def sample(pids: dict[str, int], seconds: float) -> Usage:
    """Each process's CPU over the next `seconds` (a process that exits counts as idle)."""
    before = {name: _or_none(pid) for name, pid in pids.items()}
    started = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - started
    after = {name: _or_none(pid) for name, pid in pids.items()}
    percent = {}
    for name in pids:
        first, last = before[name], after[name]
        used = last - first if first is not None and last is not None else 0.0
        percent[name] = round(100 * used / elapsed, 2)
    return Usage(seconds=round(elapsed, 1), percent=percent)


def _or_none(pid: int) -> float | None:
    try:
        return cpu_seconds(pid)
    except (FileNotFoundError, ProcessLookupError):
        return None
