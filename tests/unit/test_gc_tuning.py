"""A batch process's young generation grows with its batches; start-up's heap is frozen."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from azora import runtime


@pytest.fixture(autouse=True)
def restored_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_a_consumer_with_the_default_batch_collects_young_objects_every_50_000() -> None:
    runtime.tune_gc_for_batches(1_000)
    assert gc.get_threshold()[0] == runtime.GEN0_THRESHOLD == 50_000


def test_small_batches_never_collect_more_often_than_the_floor() -> None:
    runtime.tune_gc_for_batches(10)
    assert gc.get_threshold()[0] == runtime.GEN0_THRESHOLD


def test_a_rebuild_of_5_000_event_batches_collects_about_once_a_batch() -> None:
    runtime.tune_gc_for_batches(5_000)
    assert gc.get_threshold()[0] == 5_000 * runtime.TRACKED_PER_EVENT


def test_what_start_up_left_behind_is_frozen_out_of_every_collection() -> None:
    leftover = [[n] for n in range(1_000)]  # tracked by the collector
    runtime.tune_gc_for_batches()
    assert gc.get_freeze_count() >= len(leftover)


def test_the_older_generations_keep_their_thresholds() -> None:
    _, older, oldest = gc.get_threshold()
    runtime.tune_gc_for_batches(5_000)
    assert gc.get_threshold()[1:] == (older, oldest)
