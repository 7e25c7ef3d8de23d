"""A batch: the records of one fetch, decoded, as the applier takes them."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

from azora.consume.dead_letters import FailedRecord
from azora.consume.service import RawRecord, Service
from azora.messages import Event


@dataclass
class Batch:
    """One fetch, decoded."""

    events: list[Event[Any]] = field(default_factory=list)
    failed: list[tuple[FailedRecord, str]] = field(default_factory=list)
    # Records of dead-letter topics, for the service's raw handlers (never decoded).
    raw: list[RawRecord] = field(default_factory=list)
    # Records of event topics fetched into the batch. The records themselves are dropped
    # once decoded, while still in the CPU's cache: an event keeps what a dead letter of
    # it needs (key, value, headers), and freeing a thousand records later costs more.
    record_count: int = 0
    next_offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    prepared: dict[uuid.UUID, Any] = field(default_factory=dict)
    # Tracing on: each event's span as the parent of what it causes.
    traces: dict[uuid.UUID, bytes] = field(default_factory=dict)
    # Set once the batch's transaction has begun (the fetching task waits for it).
    begun: asyncio.Event = field(default_factory=asyncio.Event)
    _unique: tuple[list[Event[Any]], list[uuid.UUID]] | None = None
    # Events the service does not act on (`Service.acts_on`): consumed, nothing more.
    ignored: list[Event[Any]] = field(default_factory=list)

    def unique(self, service: Service) -> tuple[list[Event[Any]], list[uuid.UUID]]:
        """The first event of each id that the service acts on, and the ids of those the
        inbox must claim.

        Computed once; the fetching task asks first, so the applier finds it ready. Ids
        are compared as ints: a UUID's own hash and equality are Python code.
        """
        if self._unique is None:
            seen: set[int] = set()
            first = []
            self.ignored = []
            for event in self.events:
                key = event.envelope.event_id.int
                if key in seen:
                    continue
                seen.add(key)
                relevant = service.acts_on.get(event.spec)
                if relevant is not None and not relevant(event.payload):
                    self.ignored.append(event)
                else:
                    first.append(event)
            claim = [e.envelope.event_id for e in first if e.spec not in service.replay_safe]
            self._unique = first, claim
        return self._unique

    def release_derived(self) -> None:
        """Once applied: drop every list that refers to the events besides `events` itself,
        so that dropping `events` a slice at a time (`fetching.SpentBatches`) frees them a
        slice at a time, not all at once with the batch."""
        self._unique = None
        self.ignored = []
        self.prepared = {}
        self.traces = {}

    @property
    def size(self) -> int:
        """Records fetched into this batch."""
        return self.record_count + len(self.raw)

    def extend(self, later: Batch) -> None:
        """Append a batch decoded from the records that followed this one's."""
        self.events += later.events
        self.failed += later.failed
        self.raw += later.raw
        self.record_count += later.record_count
        self.next_offsets.update(later.next_offsets)
        self._unique = None
