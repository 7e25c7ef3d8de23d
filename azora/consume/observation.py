"""One hook interface through which metrics, tracing and benchmarks watch the consume loop.

Every hook is called once per batch (or more rarely), never once per event: the loop's
hot path pays a handful of method calls per thousand events, whoever is watching.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiokafka import TopicPartition

    from azora.consume.batch import Batch
    from azora.consume.service import RawRecord
    from azora.messages import Event, OutgoingMessage
    from schemas.catalogue import TopicSpec


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """What a committed batch's transaction did."""

    # The events handed to their handlers (first of each id, claimed or replay-safe).
    applied: Sequence[Event[Any]]
    # Dead letters written: undecodable records and events given up on.
    dead: Sequence[OutgoingMessage]
    # Dead-letter records handed to their raw handlers.
    raw: Sequence[RawRecord]
    # The events among `applied` that were given up on and dead-lettered instead.
    dead_lettered: Sequence[Event[Any]]


class Observer:
    """Hooks the consume loop calls as it works; each does nothing unless overridden."""

    def assigned(self, partitions: Collection[TopicPartition]) -> None:
        """Newly assigned partitions were positioned at their stored offsets."""

    def polled(self) -> None:
        """A fetch came back, with records or none: the loop is polling (once per batch)."""

    def decoded(self, batch: Batch, started: float, seconds: float) -> None:
        """A batch was fetched and decoded; `started` (perf_counter) and time spent decoding."""

    def applying(self, batch: Batch) -> None:
        """A batch is about to be applied (before its first attempt)."""

    def handled(self, spec: TopicSpec, seconds: float) -> None:
        """A topic's handler applied its events of the batch in `seconds`."""

    def retrying(self, kind: str) -> None:
        """An attempt failed and the batch will be retried ("transient" or "handler")."""

    def committed(self, batch: Batch, outcome: BatchOutcome, seconds: float, attempt: int) -> None:
        """The batch's transaction committed after `seconds`, on attempt number `attempt`."""

    def skipped(self, record: RawRecord) -> None:
        """A dead-letter record its handler kept refusing was skipped."""

    def ended(self, batch: Batch, error: BaseException | None) -> None:
        """The batch is done with: committed, stopped before committing, or broken by `error`."""

    def kafka_committed(self, seconds: float) -> None:
        """Offsets went to Kafka (or were found to have nothing to go), in `seconds`."""


class Observers(Observer):
    """Several observers as one, called in order."""

    def __init__(self, observers: Sequence[Observer]) -> None:
        self._all = tuple(observers)

    def assigned(self, partitions: Collection[TopicPartition]) -> None:
        for observer in self._all:
            observer.assigned(partitions)

    def polled(self) -> None:
        for observer in self._all:
            observer.polled()

    def decoded(self, batch: Batch, started: float, seconds: float) -> None:
        for observer in self._all:
            observer.decoded(batch, started, seconds)

    def applying(self, batch: Batch) -> None:
        for observer in self._all:
            observer.applying(batch)

    def handled(self, spec: TopicSpec, seconds: float) -> None:
        for observer in self._all:
            observer.handled(spec, seconds)

    def retrying(self, kind: str) -> None:
        for observer in self._all:
            observer.retrying(kind)

    def committed(self, batch: Batch, outcome: BatchOutcome, seconds: float, attempt: int) -> None:
        for observer in self._all:
            observer.committed(batch, outcome, seconds, attempt)

    def skipped(self, record: RawRecord) -> None:
        for observer in self._all:
            observer.skipped(record)

    def ended(self, batch: Batch, error: BaseException | None) -> None:
        for observer in self._all:
            observer.ended(batch, error)

    def kafka_committed(self, seconds: float) -> None:
        for observer in self._all:
            observer.kafka_committed(seconds)
