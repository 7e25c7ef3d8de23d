"""Flat costs as data grows: a large run's seconds per event over the small runs' mean."""

from __future__ import annotations

import pytest

from bench.scaling import flatness, per_event


def test_the_same_seconds_per_event_at_ten_times_the_size_reads_one() -> None:
    assert flatness([(500_000, 8.0)], (5_000_000, 80.0)) == pytest.approx(1.0)


def test_a_baseline_that_drifted_is_averaged_across_the_runs_around_the_large_one() -> None:
    # 14 and 18 µs/event before and after; 16 µs/event at scale is flat against their mean.
    assert flatness([(500_000, 7.0), (500_000, 9.0)], (5_000_000, 80.0)) == pytest.approx(1.0)


def test_a_cost_per_event_that_grows_with_the_data_reads_above_one() -> None:
    assert flatness([(500_000, 8.0), (500_000, 8.0)], (5_000_000, 120.0)) == pytest.approx(1.5)


def test_an_empty_run_does_not_divide_by_zero() -> None:
    assert per_event(0, 1.5) == 1.5


def test_no_small_run_is_no_baseline() -> None:
    with pytest.raises(ValueError, match="small run"):
        flatness([], (5_000_000, 80.0))
