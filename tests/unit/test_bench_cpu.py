"""CPU read from /proc: a parent that forks short-lived workers keeps their time."""

from __future__ import annotations

import os
import subprocess
import sys

from bench import cpu

BUSY_CHILD = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"


def test_a_tree_keeps_the_time_of_a_child_that_has_exited_and_been_reaped() -> None:
    before = cpu.tree_cpu_seconds(os.getpid())

    subprocess.run([sys.executable, "-c", BUSY_CHILD], check=True)

    after = cpu.tree_cpu_seconds(os.getpid())
    # 0.3 s spent, counted in 10 ms ticks: allow for their rounding.
    assert after - before >= 0.25
    assert after - cpu.cpu_seconds(os.getpid()) >= 0.25  # held as the reaped child's


def test_a_process_parent_is_read_from_proc() -> None:
    assert cpu.parent_of(os.getpid()) == os.getppid()
