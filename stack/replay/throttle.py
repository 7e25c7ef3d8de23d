"""`--rate`: a token bucket, so a throttled export reads in batches yet keeps to N per second."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class TokenBucket:
    """Admits `rate` events per second on average, in bursts of up to `capacity`.

    Taking more tokens than are there leaves the bucket in debt and says how long to
    wait, instead of sleeping per event: a batch of 500 costs one sleep, and the long-run
    rate is exactly `rate` whatever the batch sizes.
    """

    def __init__(
        self,
        rate: float,
        capacity: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0:
            raise ValueError("the rate must be positive")
        self.rate = rate
        # One second's worth by default: smooth enough, and a batch rarely waits alone.
        self.capacity = capacity if capacity is not None else rate
        self._clock = clock
        # Empty at first, so the cap holds from the first second too (a full bucket would
        # let twice the rate through then).
        self._tokens = 0.0
        self._last = clock()

    @property
    def tokens(self) -> float:
        """Tokens in the bucket as of the last take (negative: in debt)."""
        return self._tokens

    def take(self, count: int) -> float:
        """Take `count` tokens; return the seconds to wait before using them (0: go on)."""
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
        self._last = now
        self._tokens -= count
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    async def acquire(self, count: int) -> None:
        """Wait until `count` events may go."""
        delay = self.take(count)
        if delay > 0:
            await asyncio.sleep(delay)


def batch_size(rate: float | None, largest: int = 500) -> int:
    """Records per fetch: at most a tenth of a second's worth when throttled, so it is smooth."""
    if rate is None:
        return largest
    return max(1, min(largest, int(rate / 10)))
