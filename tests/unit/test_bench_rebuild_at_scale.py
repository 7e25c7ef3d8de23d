"""The rebuild-at-scale benchmark's verdict: seconds per event compared, not seconds, against
the small rebuilds before and after the large one."""

from __future__ import annotations

from bench.judging import all_met
from bench.rebuild_at_scale import Rebuilt, judged


def small(seconds: float = 25.0, rows: int = 500_000) -> Rebuilt:
    return Rebuilt(events=500_000, produce_seconds=20.0, rebuild_seconds=seconds, rows=rows)


def large(seconds: float, rows: int = 5_000_000) -> Rebuilt:
    return Rebuilt(events=5_000_000, produce_seconds=200.0, rebuild_seconds=seconds, rows=rows)


def test_ten_times_the_events_in_ten_times_the_time_is_flat() -> None:
    ratio, missing = judged([small(), small()], large(250.0))

    assert ratio.value == 1.0
    assert missing.value == 0
    assert all_met([ratio, missing])


def test_a_rebuild_that_slows_as_its_tables_grow_misses_the_goal() -> None:
    ratio, _ = judged([small(), small()], large(400.0))

    assert ratio.value == 1.6
    assert not all_met([ratio])


def test_the_large_rebuild_is_judged_against_the_mean_of_the_small_ones() -> None:
    # 40 and 60 µs/event around it: 50 µs/event is the baseline, so 55 reads 1.1.
    ratio, _ = judged([small(20.0), small(30.0)], large(275.0))

    assert ratio.value == 1.1


def test_rows_missing_after_any_swap_miss_the_goal_whatever_the_speed() -> None:
    ratio, missing = judged([small(), small(rows=499_999)], large(250.0))

    assert missing.value == 1
    assert not all_met([ratio, missing])
