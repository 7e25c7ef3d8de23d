"""Long polls while a consumer is idle, batches while it is busy.

One fixed fetch setting cannot serve both. Busy, the broker should hold a fetch a little
(`busy_wait_ms`, 20 ms) until `busy_min_bytes` (64 KiB) are there: a fetch and a
transaction per record would saturate two cores long before 1,000 commands/s. Idle, the
same setting sends fifty empty fetches a second per consumer, which kept a stack with no
traffic at a third of a core. So after a poll that found nothing the consumer asks for a
single byte and lets the broker hold the fetch up to `idle_wait_ms`: the broker answers the
moment a record arrives (no batch to wait for, so the first record after a lull is
delivered sooner than a busy fetch would deliver it) and otherwise every few seconds. The
first records switch it back to batching. The loop itself still wakes every second while
idle (a local wait, no request) so that a stop is noticed promptly.

aiokafka builds every fetch request from two attributes of its fetcher, read afresh for
each request (tests/unit/test_adaptive_polling.py holds the installed aiokafka to that, and
pyproject.toml to the minor version it was checked on).
"""

from __future__ import annotations

from typing import Any, NamedTuple

# How long an idle loop waits for records before it looks at its stop signal again. Only
# the loop wakes: the fetch the broker holds stays in flight, so this costs no request.
IDLE_LOOP_WAKE_MS = 1000


class FetchPolicy(NamedTuple):
    """How long the broker may hold a fetch, and for how many bytes it waits."""

    max_wait_ms: int
    min_bytes: int


class AdaptivePolling:
    """Switches a started consumer's fetches between batching (busy) and long polls (idle).

    Busy is the consumer's own setting (`make_consumer`: AZORA_CONSUMER_FETCH_WAIT_MS and
    _MIN_BYTES), read from it at the first switch; idle is one byte, held up to
    `idle_wait_ms` (never less than the busy wait).
    """

    def __init__(self, consumer: object, *, busy_poll_ms: int, idle_wait_ms: int) -> None:
        self._consumer = consumer
        self._busy_poll_ms = busy_poll_ms
        self._idle_wait_ms = idle_wait_ms
        self._busy: FetchPolicy | None = None
        self.is_idle = False

    @property
    def poll_timeout_ms(self) -> int:
        """How long the loop waits for records before it calls the consumer idle.

        Idle, as long as the broker may hold the fetch, but at most `IDLE_LOOP_WAKE_MS` so a
        stop is seen within a second. The wait ends the moment records arrive: no latency
        is lost.
        """
        if self.is_idle:
            return min(self.policy().max_wait_ms, IDLE_LOOP_WAKE_MS)
        return self._busy_poll_ms

    def policy(self) -> FetchPolicy:
        """The setting the consumer's next fetch request is built with."""
        fetcher = self._fetcher()
        return FetchPolicy(fetcher._fetch_max_wait_ms, fetcher._fetch_min_bytes)

    def busy(self) -> None:
        """Records came: batch the next fetches (call before the loop next awaits)."""
        if self.is_idle and self._busy is not None:
            self._apply(self._busy)
            self.is_idle = False

    def idle(self) -> None:
        """A poll found nothing: the next fetch waits long for a single byte."""
        if self.is_idle or getattr(self._consumer, "_fetcher", None) is None:
            return  # a consumer not started yet starts with the busy setting
        self._busy = self.policy()
        self._apply(FetchPolicy(max(self._idle_wait_ms, self._busy.max_wait_ms), 1))
        self.is_idle = True

    def _fetcher(self) -> Any:
        return self._consumer._fetcher  # type: ignore[attr-defined]

    def _apply(self, policy: FetchPolicy) -> None:
        fetcher = self._fetcher()
        fetcher._fetch_max_wait_ms = policy.max_wait_ms
        fetcher._fetch_min_bytes = policy.min_bytes
