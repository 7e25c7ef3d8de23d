"""A service's preparations: the outside calls (Stripe, a model server) its handlers need,
made before the transaction on every attempt, so none runs while Postgres holds locks."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Hashable, Sequence
from typing import Any

import asyncpg

from azora import logs
from azora.consume.attempts import Attempts, counted_as
from azora.consume.batch import Batch
from azora.consume.errors import is_transient
from azora.consume.service import Service
from azora.messages import Event


class Preparation:
    """Runs one service's preparation steps into `batch.prepared`."""

    def __init__(self, service: Service, pool: asyncpg.Pool, attempts: Attempts) -> None:
        self.service = service
        self.pool = pool
        self._attempts = attempts
        # The events handed to the step running now: if it fails, they were tried
        # (whole-batch attempts only; emptied once the step returns).
        self.running: Sequence[Event[Any]] = ()

    async def prepare(
        self, batch: Batch, careful: bool, tried_together: set[Hashable]
    ) -> set[uuid.UUID]:
        """Run the service's preparations into `batch.prepared`; the ids to try again.

        Careful, each event is prepared on its own: one its preparation keeps failing for
        is counted like a handler failure and dead-lettered after its attempts, instead of
        blocking its partition for good, and the others go on.
        """
        batch.prepared = {}
        if not self.service.prepare:
            return set()
        by_spec: dict[Any, list[Event[Any]]] = defaultdict(list)
        unique, _ = batch.unique(self.service)
        for event in unique:
            if event.spec in self.service.prepare:
                by_spec[event.spec].append(event)
        prepared: dict[uuid.UUID, Any] = {}
        unprepared: set[uuid.UUID] = set()
        for spec, events in by_spec.items():
            step = self.service.prepare[spec]
            if not careful:
                self.running = events
                prepared.update(await step(events, self.pool))
                self.running = ()
                continue
            for event in events:
                event_id, key = event.envelope.event_id, counted_as(event)
                if self._attempts.given_up(key) is not None:
                    continue  # given up on already: no outside call is made for it again
                try:
                    with logs.bound(**logs.event_fields(event, batch.traces.get(event_id))):
                        prepared.update(await step([event], self.pool))
                except Exception as exc:
                    if is_transient(exc):
                        raise
                    tries = 2 if key in tried_together else 1
                    if not self._attempts.failed(key, exc, permanent_ends=True, tries=tries).final:
                        unprepared.add(event_id)
        batch.prepared = prepared
        return unprepared
