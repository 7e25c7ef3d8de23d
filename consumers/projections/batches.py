"""What projections share: one row per key from a batch of events.

A batch may carry several events about one row, and an upsert cannot touch a row twice
in one statement, so each projection keeps one event (or payload) per key first.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

T = TypeVar("T")


def latest_per_key(
    items: Iterable[T], key: Callable[[T], Hashable], rank: Callable[[T], int] | None = None
) -> list[T]:
    """The last item per key, in first-seen key order; with `rank`, the highest-ranked one
    (of equal ranks, the later)."""
    kept: dict[Hashable, T] = {}
    for item in items:
        k = key(item)
        seen = kept.get(k)
        if seen is None or rank is None or rank(item) >= rank(seen):
            kept[k] = item
    return list(kept.values())
