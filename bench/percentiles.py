"""Percentiles as the benchmarks report them: the nearest rank, no interpolation."""

from __future__ import annotations

from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The value below which a share `q` (0 to 1) of `values` lies; `values` not empty."""
    if not values:
        raise ValueError("no values to take a percentile of")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
