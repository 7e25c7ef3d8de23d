"""When a loop last showed it is alive: it polled, began or committed a batch, or retried.

A consume loop that waits on something that never comes (a handler blocked for good, a
lock never released) stops beating; once it has been silent for longer than its deadline,
/healthz answers 503 and Kubernetes restarts the process. A loop that is idle still polls
(an empty fetch is a beat), and one that retries a failing batch beats on every attempt:
neither is wedged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from azora.consume.observation import BatchOutcome, Observer

if TYPE_CHECKING:
    from aiokafka import TopicPartition

    from azora.consume.batch import Batch
    from azora.consume.service import RawRecord
    from schemas.catalogue import TopicSpec

Clock = Callable[[], float]


class Heartbeat:
    """The time of a loop's last sign of life, and how long it may go without one."""

    def __init__(self, name: str, deadline_s: float, clock: Clock = time.monotonic) -> None:
        if deadline_s <= 0:
            raise ValueError("a heartbeat's deadline must be positive")
        self.name = name
        self.deadline_s = deadline_s
        self._clock = clock
        self._last = clock()

    def beat(self) -> None:
        """The loop is alive now."""
        self._last = self._clock()

    async def beat_async(self) -> None:
        """`beat`, for callbacks that are awaited (`azora.aio.keep_trying`'s `on_failure`)."""
        self.beat()

    def silent_for(self) -> float:
        """Seconds since the last beat."""
        return max(0.0, self._clock() - self._last)

    def alive(self) -> bool:
        """Whether the last beat is within the deadline."""
        return self.silent_for() <= self.deadline_s


class LoopHeartbeat(Observer):
    """Beats a consume loop's heartbeat while it works, as its observer.

    Idle, the loop is alive while it polls. With a batch in hand, only the batch moving on
    counts (a handler done, an attempt failed, the commit): the fetcher goes on polling
    while the applier works, so a poll then says nothing of a handler that never returns.
    (Nor do Kafka commits: they go out in the background, even from a wedged loop.)
    """

    def __init__(self, heartbeat: Heartbeat) -> None:
        self._heartbeat = heartbeat
        self._applying = 0

    def polled(self) -> None:
        if not self._applying:
            self._heartbeat.beat()

    def assigned(self, partitions: Collection[TopicPartition]) -> None:
        self._heartbeat.beat()

    def applying(self, batch: Batch) -> None:
        self._applying += 1
        self._heartbeat.beat()

    def handled(self, spec: TopicSpec, seconds: float) -> None:
        self._heartbeat.beat()

    def retrying(self, kind: str) -> None:
        self._heartbeat.beat()

    def committed(self, batch: Batch, outcome: BatchOutcome, seconds: float, attempt: int) -> None:
        self._heartbeat.beat()

    def skipped(self, record: RawRecord) -> None:
        self._heartbeat.beat()

    def ended(self, batch: Batch, error: BaseException | None) -> None:
        self._applying = max(0, self._applying - 1)
        self._heartbeat.beat()
