"""Spans for a batch: one CONSUMER span per event, each with the transaction under it.

Handlers run set-based over a whole batch, so an event's effects are written in the
batch's one transaction: each event's span gets a child covering that transaction, and
what the event causes carries the event's span as its parent. `BatchTracing` is how the
consume loop's observer hooks start and end them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer, set_span_in_context

from azora import tracing
from azora.consume.observation import BatchOutcome, Observer
from azora.messages import Event
from azora.tracing import context_from, messaging_attributes, traceparent_of

if TYPE_CHECKING:
    from azora.consume.batch import Batch


class BatchTracing(Observer):
    """Traces each batch while a tracer is installed; with none, checks once per batch."""

    def __init__(self, group: str) -> None:
        self._group = group
        # The batch being applied (one at a time): its spans and what became of its events.
        self._spans: BatchSpans | None = None
        self._outcomes: dict[uuid.UUID, str] = {}

    def applying(self, batch: Batch) -> None:
        tracer = tracing.tracer()
        self._outcomes = {}
        if tracer is None:
            self._spans = None
            return
        self._spans = BatchSpans(tracer, self._group, batch.events)
        batch.traces = dict(self._spans.traceparents)

    def committed(self, batch: Batch, outcome: BatchOutcome, seconds: float, attempt: int) -> None:
        if self._spans is None:
            return
        ended = time.time_ns()
        self._spans.transaction(ended - int(seconds * 1e9), ended, attempt)
        self._outcomes = outcomes(batch, outcome)

    def ended(self, batch: Batch, error: BaseException | None) -> None:
        if self._spans is not None:
            self._spans.end(self._outcomes, error)
            self._spans = None


def outcomes(batch: Batch, outcome: BatchOutcome) -> dict[uuid.UUID, str]:
    """What became of each event of a committed batch (for its span)."""
    found = dict.fromkeys((e.envelope.event_id for e in batch.events), "duplicate")
    found.update(dict.fromkeys((e.envelope.event_id for e in batch.ignored), "ignored"))
    found.update(dict.fromkeys((e.envelope.event_id for e in outcome.applied), "applied"))
    found.update(
        dict.fromkeys((e.envelope.event_id for e in outcome.dead_lettered), "dead_lettered")
    )
    return found


class BatchSpans:
    """The spans of one batch's events, keyed by event id."""

    def __init__(self, tracer: Tracer, group: str, events: Sequence[Event[Any]]) -> None:
        self._tracer = tracer
        self._spans: dict[uuid.UUID, Span] = {}
        for event in events:
            if event.envelope.event_id in self._spans:
                continue
            self._spans[event.envelope.event_id] = tracer.start_span(
                f"process {event.topic}",
                context=context_from(event.traceparent),
                kind=SpanKind.CONSUMER,
                attributes=messaging_attributes(
                    event.topic,
                    str(event.envelope.event_id),
                    "process",
                    **{
                        "messaging.consumer.group.name": group,
                        "messaging.destination.partition.id": str(event.partition),
                        "messaging.kafka.offset": event.offset,
                        "azora.event.type": event.envelope.type,
                        "azora.correlation_id": str(event.envelope.correlation_id),
                    },
                ),
            )
        self.traceparents: Mapping[uuid.UUID, bytes] = {
            event_id: parent
            for event_id, span in self._spans.items()
            if (parent := traceparent_of(span)) is not None
        }

    def transaction(self, started_ns: int, ended_ns: int, attempt: int) -> None:
        """Record the committed transaction under every event's span."""
        for span in self._spans.values():
            child = self._tracer.start_span(
                "postgres transaction",
                context=set_span_in_context(span),
                kind=SpanKind.CLIENT,
                start_time=started_ns,
                attributes={"db.system": "postgresql", "azora.attempt": attempt},
            )
            child.end(end_time=ended_ns)

    def end(self, outcomes: Mapping[uuid.UUID, str], error: BaseException | None = None) -> None:
        """Close every span with what became of its event."""
        for event_id, span in self._spans.items():
            outcome = outcomes.get(event_id, "interrupted" if error is None else "failed")
            span.set_attribute("azora.outcome", outcome)
            if outcome == "dead_lettered":
                span.set_status(Status(StatusCode.ERROR, "dead-lettered"))
            elif error is not None:
                span.record_exception(error)
                span.set_status(Status(StatusCode.ERROR, type(error).__name__))
            span.end()
