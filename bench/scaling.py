"""Costs that stay flat as data grows: a large run's seconds per event against a small
run's, the small one measured both before and after the large one.

One small run as the baseline made the figure hostage to that run's minute: on this
2-core machine the same 500,000-event export read 14.0 µs/event in one full run and
16.5-19.2 in the next two, with no code changed. Bracketing the large run (small, large,
small) and comparing it with the mean of the two small runs cancels a drift in the
machine's speed across the three; both small figures stay in the report. Pure: no clock.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def per_event(events: int, seconds: float) -> float:
    """Seconds per event (a run of no events counts as one, so nothing divides by zero)."""
    return seconds / max(events, 1)


def baseline_per_event(small: Sequence[tuple[int, float]]) -> float:
    """The mean seconds per event of the small runs' (events, seconds)."""
    if not small:
        raise ValueError("at least one small run is needed as the baseline")
    return statistics.fmean(per_event(n, s) for n, s in small)


def flatness(small: Sequence[tuple[int, float]], large: tuple[int, float]) -> float:
    """The large run's seconds per event over the mean of the small runs' (events, seconds):
    1.0 is perfectly flat, above it the cost per event grows with the data."""
    return per_event(*large) / baseline_per_event(small)
