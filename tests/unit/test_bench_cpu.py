"""CPU read from /proc: a parent that forks short-lived workers keeps their time."""

from __future__ import annotations

import os
import subprocess
import sys
import time

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


def test_a_window_counts_the_cpu_a_process_spent_inside_it_and_the_machine_as_busy() -> None:
    window = cpu.Window({"this test": os.getpid()})
    end = time.process_time() + 0.3
    while time.process_time() < end:
        pass

    usage = window.close()

    assert usage.percent["this test"] > 0
    assert 0 < usage.machine_percent <= 100
    assert usage.cores == os.cpu_count()


def test_a_process_gone_before_the_window_closes_counts_as_idle() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    window = cpu.Window({"short-lived": child.pid})
    child.wait()

    assert window.close().percent["short-lived"] == 0.0


def test_the_machine_ticks_only_grow() -> None:
    busy, total = cpu.machine_ticks()
    subprocess.run([sys.executable, "-c", BUSY_CHILD], check=True)
    busy_after, total_after = cpu.machine_ticks()

    assert busy_after > busy
    assert total_after > total >= busy
