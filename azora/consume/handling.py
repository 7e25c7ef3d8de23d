"""Handing a batch's new events and dead letters to a service's handlers, inside the
batch's transaction: grouped by topic while all goes well, one savepoint each once careful."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Hashable, Sequence
from typing import Any

from azora import logs
from azora.consume.attempts import counted_as
from azora.consume.dead_letters import DeadLetters
from azora.consume.observation import Observer
from azora.consume.savepoints import OneByOne, Pass
from azora.consume.service import RawHandler, RawRecord, Service
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from azora.topics import TopicNames


class Handling:
    """Runs one service's handlers on the events and dead letters of a transaction."""

    def __init__(
        self,
        service: Service,
        names: TopicNames,
        one_by_one: OneByOne,
        dead_letters: DeadLetters,
        observer: Observer,
    ) -> None:
        self.service = service
        self._one_by_one = one_by_one
        self._dead_letters = dead_letters
        self._observer = observer
        self._dead_letter_topics = {names.dlq(spec): spec for spec in service.dead_letter_handlers}
        # The events handed to the handler running now: if it fails, they were tried
        # (whole-batch attempts only; emptied once the handler returns).
        self.running: Sequence[Event[Any]] = ()

    async def by_topic(self, events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        """Each topic's events to its handler at once."""
        by_spec: dict[Any, list[Event[Any]]] = defaultdict(list)
        for event in events:
            by_spec[event.spec].append(event)
        for spec, group in by_spec.items():
            started = time.perf_counter()
            self.running = group
            # A handler's lines name its event when it has one, else the topic it works on.
            where = (
                logs.event_fields(group[0], uow.traces.get(group[0].envelope.event_id))
                if len(group) == 1
                else {"topic": group[0].topic}
            )
            with logs.bound(**where):
                await self.service.handlers[spec](group, uow)
            self.running = ()
            self._observer.handled(spec, time.perf_counter() - started)

    async def one_by_one(
        self, events: Sequence[Event[Any]], uow: UnitOfWork, tried_together: set[Hashable]
    ) -> Pass[Event[Any]]:
        """Apply each event in its own savepoint; who is given up on, who is tried again."""
        handlers = self.service.handlers

        async def handle(event: Event[Any]) -> None:
            with logs.bound(**logs.event_fields(event, uow.traces.get(event.envelope.event_id))):
                await handlers[event.spec]([event], uow)

        return await self._one_by_one.apply(
            events,
            uow,
            handle,
            key=counted_as,
            permanent_gives_up=True,
            tried_together=tried_together,
        )

    async def raw(
        self, records: Sequence[RawRecord], uow: UnitOfWork, *, careful: bool
    ) -> Pass[RawRecord]:
        """Hand dead-letter records to their handlers; once careful, one savepoint each.

        A dead letter has nowhere further to go: one its handler keeps refusing is
        retried like any event, and after the attempt limit skipped (it stays on its
        dead-letter topic, and the log says which).
        """
        found: Pass[RawRecord] = Pass()
        by_spec: dict[Any, list[RawRecord]] = defaultdict(list)
        for record in records:
            by_spec[self._dead_letter_topics[record.topic]].append(record)
        for spec, group in by_spec.items():
            handler = self.service.dead_letter_handlers[spec]
            if not careful:
                await handler(group, uow)
                continue

            async def handle(record: RawRecord, handler: RawHandler = handler) -> None:
                await handler([record], uow)

            each = await self._one_by_one.apply(
                group, uow, handle, key=self._dead_letters.position_id, permanent_gives_up=False
            )
            found.given_up += each.given_up
            found.retry += each.retry
        return found
