"""The rebuild-at-scale benchmark's verdict: seconds per event compared, not seconds."""

from __future__ import annotations

from bench.judging import all_met
from bench.rebuild_at_scale import Rebuilt, judged


def test_ten_times_the_events_in_ten_times_the_time_is_flat() -> None:
    small = Rebuilt(events=500_000, produce_seconds=20.0, rebuild_seconds=25.0, rows=500_000)
    large = Rebuilt(events=5_000_000, produce_seconds=200.0, rebuild_seconds=250.0, rows=5_000_000)

    ratio, missing = judged(small, large)

    assert ratio.value == 1.0
    assert missing.value == 0
    assert all_met([ratio, missing])


def test_a_rebuild_that_slows_as_its_tables_grow_misses_the_goal() -> None:
    small = Rebuilt(events=500_000, produce_seconds=20.0, rebuild_seconds=25.0, rows=500_000)
    large = Rebuilt(events=5_000_000, produce_seconds=200.0, rebuild_seconds=400.0, rows=5_000_000)

    ratio, _ = judged(small, large)

    assert ratio.value == 1.6
    assert not all_met([ratio])


def test_rows_missing_after_a_swap_miss_the_goal_whatever_the_speed() -> None:
    small = Rebuilt(events=500_000, produce_seconds=20.0, rebuild_seconds=25.0, rows=499_999)
    large = Rebuilt(events=5_000_000, produce_seconds=200.0, rebuild_seconds=250.0, rows=5_000_000)

    ratio, missing = judged(small, large)

    assert missing.value == 1
    assert not all_met([ratio, missing])
