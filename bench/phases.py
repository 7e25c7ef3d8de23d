"""Where the consume loop's time goes, per step, without a profiler.

`StepTimer` watches the real `ConsumeLoop` through its public observer hooks (decode,
the batch's transaction, each handler, Kafka commits, the assignment), and `TimedStore`
is the bookkeeping (`azora.consume.store`) handed to the loop, each statement timed. A few
`perf_counter` calls per batch (of ~1000 events) cost nothing measurable, and the split
tells decode (Python CPU) from database round trips at a glance.
"""

from __future__ import annotations

import gc
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from aiokafka import TopicPartition

from azora.consume import store
from azora.consume.batch import Batch
from azora.consume.observation import BatchOutcome, Observer
from schemas.catalogue import TopicSpec

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class Phases:
    """Seconds per step, batches and records seen, and the clock marks the benchmark needs."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    gc_collections: list[int] = field(default_factory=lambda: [0, 0, 0])
    batches: int = 0
    records: int = 0
    assigned_at: float | None = None
    first_batch_at: float | None = None
    last_commit_at: float | None = None

    def add(self, name: str, since: float) -> None:
        """Charge the time since `since` to step `name`."""
        self.seconds[name] += time.perf_counter() - since


class StepTimer(Observer):
    """A stopwatch on each step of the consume loop, through its observer hooks."""

    def __init__(self) -> None:
        self.phases = Phases()

    def assigned(self, partitions: Collection[TopicPartition]) -> None:
        """Mark when the group is ready: timing starts here, not at the group join.

        aiokafka hands out records as soon as the assignment is set, before the stored
        offsets are sought, so a first batch may start earlier; `Consumed` takes the
        earlier mark.
        """
        if self.phases.assigned_at is None:
            self.phases.assigned_at = time.perf_counter()

    def decoded(self, batch: Batch, started: float, seconds: float) -> None:
        if self.phases.first_batch_at is None:
            self.phases.first_batch_at = started
        self.phases.records += batch.size
        self.phases.seconds["decode"] += seconds

    def handled(self, spec: TopicSpec, seconds: float) -> None:
        self.phases.seconds["handler"] += seconds

    def committed(self, batch: Batch, outcome: BatchOutcome, seconds: float, attempt: int) -> None:
        self.phases.seconds["apply"] += seconds
        self.phases.batches += 1
        self.phases.last_commit_at = time.perf_counter()

    def kafka_committed(self, seconds: float) -> None:
        self.phases.seconds["kafka_commit"] += seconds


def _timed(name: str, fn: Callable[P, Awaitable[R]], phases: Phases) -> Callable[P, Awaitable[R]]:
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        started = time.perf_counter()
        try:
            return await fn(*args, **kwargs)
        finally:
            phases.add(f"store.{name}", started)

    return wrapper


class TimedStore:
    """The loop's bookkeeping (`azora.consume.store`), each statement charged to `phases`."""

    def __init__(self, phases: Phases) -> None:
        self.claim = _timed("claim", store.claim, phases)
        self.save_offsets = _timed("save_offsets", store.save_offsets, phases)
        self.write_outbox = _timed("write_outbox", store.write_outbox, phases)
        # Only a poisoned batch releases inbox rows: not a step worth a figure.
        self.release = store.release


@contextmanager
def timed_gc(phases: Phases) -> Iterator[None]:
    """Charge the cyclic garbage collector's pauses to `phases` ("gc/gen0".."gc/gen2").

    Decoding allocates many short-lived objects per event; the collector's share of the
    loop's time is a cost no step above shows, so it is measured on its own.
    """
    began: list[float] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began.append(time.perf_counter())
        elif began:
            phases.add(f"gc/gen{info['generation']}", began.pop())
            phases.gc_collections[info["generation"]] += 1

    gc.callbacks.append(callback)
    try:
        yield
    finally:
        gc.callbacks.remove(callback)
