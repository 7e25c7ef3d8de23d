"""What a handler gets besides its events: the transaction's connection and the outbox."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from azora.db import Connection
from azora.messages import Event, OutgoingMessage, build_envelope, derived_event_id, encode
from azora.messages import message_key as key_of
from azora.topics import TopicNames
from schemas.catalogue import spec_for
from schemas.envelope import HEADER_TRACEPARENT


@dataclass
class UnitOfWork:
    """One batch's transaction: handlers write state on `conn` and `emit` events to the outbox."""

    conn: Connection
    group: str
    names: TopicNames
    outbox: list[OutgoingMessage] = field(default_factory=list)
    # Whether emitted events go out at all (a projection rebuild turns side effects off).
    emit_enabled: bool = True
    # What the service's `prepare` steps returned for this batch, by event id.
    prepared: dict[uuid.UUID, Any] = field(default_factory=dict)
    # With tracing on: each event's span, the parent of what it causes (by event id).
    traces: dict[uuid.UUID, bytes] = field(default_factory=dict)

    def emit(
        self,
        payload: BaseModel,
        *,
        cause: Event[Any],
        index: int = 0,
        correlation_id: uuid.UUID | None = None,
    ) -> None:
        """Queue `payload` on its topic as a consequence of `cause`.

        It keeps `cause`'s correlation (the command it serves) unless `correlation_id`
        says otherwise: a saga that starts a command of its own, or settles an earlier one.
        """
        if not self.emit_enabled:
            return
        spec = spec_for(payload)
        envelope = build_envelope(
            spec,
            payload,
            actor=self.group,
            event_id=derived_event_id(cause.envelope.event_id, spec, index),
            correlation_id=correlation_id or cause.envelope.correlation_id,
            causation_id=cause.envelope.event_id,
        )
        traceparent = self.traces.get(cause.envelope.event_id) or cause.traceparent
        extra = ((HEADER_TRACEPARENT, traceparent),) if traceparent else ()
        self.outbox.append(
            encode(spec, envelope, key_of(spec, payload), self.names, extra_headers=extra)
        )

    def mark(self) -> int:
        """A point to roll the outbox back to if the next event fails."""
        return len(self.outbox)

    def rollback_to(self, mark: int) -> None:
        """Forget what was emitted since `mark` (its savepoint was rolled back)."""
        del self.outbox[mark:]
