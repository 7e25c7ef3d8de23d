"""Where the consume loop's time goes, per step, without a profiler.

`TimedLoop` is the real `ConsumeLoop`: it only wraps its steps with a clock, and
`timed_store` wraps the bookkeeping statements the loop calls through `azora.consume.store`.
A few `perf_counter` calls per batch (of ~1000 events) cost nothing measurable, and the
split tells decode (Python CPU) from database round trips at a glance. Only the steps are
hooked, not `run` or `process`, so a loop that overlaps steps can be timed the same way.
The hooks are private methods of `ConsumeLoop`: if one is renamed its figure reads zero
(and `bench.consume` warns), while the headline rates, taken from Postgres, stay right.
"""

from __future__ import annotations

import gc
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from azora.consume import store
from azora.consume.loop import ConsumeLoop, _Batch
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event

P = ParamSpec("P")
R = TypeVar("R")

# Store functions the loop awaits inside its transaction.
STORE_CALLS = ("claim", "save_offsets", "write_outbox")


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


class TimedLoop(ConsumeLoop):
    """The consume loop with a stopwatch on each step."""

    phases: Phases

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.phases = Phases()

    async def seek_to_stored(self, assigned: set[TopicPartition]) -> None:
        """Mark when the group is ready: timing starts here, not at the group join.

        aiokafka hands out records as soon as the assignment is set, before this listener
        has sought, so a first batch may start earlier; `Consumed` takes the earlier mark.
        """
        await super().seek_to_stored(assigned)
        if self.phases.assigned_at is None:
            self.phases.assigned_at = time.perf_counter()

    def decode(self, fetched: dict[TopicPartition, list[ConsumerRecord]]) -> _Batch:
        started = time.perf_counter()
        if self.phases.first_batch_at is None:
            self.phases.first_batch_at = started
        self.phases.records += sum(len(records) for records in fetched.values())
        try:
            return super().decode(fetched)
        finally:
            self.phases.add("decode", started)

    async def _apply(self, batch: _Batch, *, careful: bool) -> None:
        started = time.perf_counter()
        try:
            await super()._apply(batch, careful=careful)
        finally:
            self.phases.add("apply", started)
        self.phases.batches += 1
        self.phases.last_commit_at = time.perf_counter()

    async def _apply_by_topic(self, events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        started = time.perf_counter()
        try:
            await super()._apply_by_topic(events, uow)
        finally:
            self.phases.add("handler", started)

    async def _commit_to_kafka(self, next_offsets: dict[tuple[str, int], int]) -> None:
        started = time.perf_counter()
        try:
            await super()._commit_to_kafka(next_offsets)
        finally:
            self.phases.add("kafka_commit", started)


def _timed(name: str, fn: Callable[P, Awaitable[R]], phases: Phases) -> Callable[P, Awaitable[R]]:
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        started = time.perf_counter()
        try:
            return await fn(*args, **kwargs)
        finally:
            phases.add(f"store.{name}", started)

    return wrapper


@contextmanager
def timed_store(phases: Phases) -> Iterator[None]:
    """Charge the loop's calls to `azora.consume.store` to `phases` while inside."""
    originals = {name: getattr(store, name) for name in STORE_CALLS}
    try:
        for name, fn in originals.items():
            setattr(store, name, _timed(name, fn, phases))
        yield
    finally:
        for name, fn in originals.items():
            setattr(store, name, fn)


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
