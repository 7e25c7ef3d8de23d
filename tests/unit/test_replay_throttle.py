"""--rate: token-bucket arithmetic on an injected clock (no timing, no sleeps)."""

from __future__ import annotations

import pytest

from stack.replay.throttle import TokenBucket, batch_size

START = 1000.0


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def test_a_new_bucket_is_empty_so_even_the_first_second_keeps_to_the_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(100, clock=clock)
    assert bucket.take(100) == pytest.approx(1.0)


def test_tokens_come_in_at_the_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(100, clock=clock)
    clock.now += 0.25
    assert bucket.take(25) == 0.0
    assert bucket.tokens == pytest.approx(0)
    assert bucket.take(10) == pytest.approx(0.1)


def test_a_batch_larger_than_what_is_there_waits_for_the_difference() -> None:
    clock = Clock()
    bucket = TokenBucket(100, clock=clock)
    clock.now += 0.5
    assert bucket.take(80) == pytest.approx(0.3)


def test_debt_is_paid_before_new_tokens_count() -> None:
    clock = Clock()
    bucket = TokenBucket(100, clock=clock)
    assert bucket.take(300) == pytest.approx(3.0)
    clock.now += 3.0  # the wait was served: back to zero
    assert bucket.take(1) == pytest.approx(0.01)


def test_an_idle_bucket_never_holds_more_than_its_capacity() -> None:
    clock = Clock()
    bucket = TokenBucket(100, capacity=20, clock=clock)
    clock.now += 3600
    assert bucket.take(20) == 0.0
    assert bucket.take(1) == pytest.approx(0.01)


def test_the_long_run_rate_is_the_rate_whatever_the_batch_sizes() -> None:
    clock = Clock()
    bucket = TokenBucket(50, clock=clock)
    taken = 0
    for size in [7, 30, 1, 120, 64, 3, 99] * 20:
        clock.now += bucket.take(size)  # serve each wait exactly
        taken += size
    assert clock.now - START == pytest.approx(taken / 50)


def test_a_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(0)


def test_a_throttled_export_fetches_a_tenth_of_a_second_at_a_time() -> None:
    assert batch_size(None) == 500
    assert batch_size(200) == 20
    assert batch_size(3) == 1
    assert batch_size(1_000_000) == 500
