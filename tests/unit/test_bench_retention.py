"""The retention benchmark's verdict: a table that keeps growing reads as growing, one that
rises and falls with each prune reads as flat."""

from __future__ import annotations

import pytest

from bench.retention import Sample, later_over_earlier


def _series(rows_at: list[int]) -> list[Sample]:
    return [Sample(float(t), rows, rows * 100, 0, 6, 32_768, t) for t, rows in enumerate(rows_at)]


def test_a_table_that_only_grows_reads_about_one_and_a_half() -> None:
    growing = _series([500 * t for t in range(121)])

    assert later_over_earlier(growing, "inbox_rows") == pytest.approx(1.5, abs=0.02)


def test_a_table_pruned_every_ten_seconds_reads_flat() -> None:
    # Rows climb for ten seconds, then a prune takes the oldest ten seconds' worth.
    sawtooth = _series([min(t, 20 + t % 10) * 500 for t in range(121)])

    assert later_over_earlier(sawtooth, "inbox_rows") == pytest.approx(1.0)
    assert later_over_earlier(sawtooth, "inbox_bytes") == pytest.approx(1.0)


def test_too_short_a_run_has_no_thirds_to_compare() -> None:
    with pytest.raises(ValueError, match="too few samples"):
        later_over_earlier(_series([1]), "inbox_rows")
