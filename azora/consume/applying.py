"""Applying a decoded batch exactly once: one Postgres transaction, retried until it sticks.

In the transaction: claim the event ids in the inbox (except on topics the service
declares replay-safe, whose handlers absorb a repeat), run the handlers for the new ones,
write the outbox (dead letters included) and the next offsets. A failing batch is retried
carefully: each event prepared on its own where the batch's preparation failed, and
applied in a savepoint of its own, so every failing event is found and counted in one
pass. Each event's failed attempts are counted by its id (`attempts.Attempts`), outside
the transaction, so they survive the rollbacks; an event is dead-lettered once it has had
its attempts (at once for a permanent error), and the rest of the batch is applied.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Hashable, Sequence
from typing import Any

import asyncpg

from azora import logs, metrics
from azora.aio import sleep_or_stop
from azora.consume import store
from azora.consume.attempts import Attempts, counted_as
from azora.consume.batch import Batch
from azora.consume.dead_letters import DeadLetters, failed_event
from azora.consume.errors import is_permanent, is_transient
from azora.consume.handling import Handling
from azora.consume.observation import BatchOutcome, Observer, Observers
from azora.consume.preparing import Preparation
from azora.consume.savepoints import GivenUp, OneByOne
from azora.consume.service import RawRecord, Service
from azora.consume.settings import LoopSettings
from azora.consume.spans import BatchTracing
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event, OutgoingMessage
from azora.topics import TopicNames

log = logging.getLogger(__name__)


def standard_observer(group: str, extra: Sequence[Observer] = ()) -> Observer:
    """Metrics and tracing for `group`, then `extra` observers (a benchmark's stopwatch)."""
    return Observers([metrics.ConsumerMetrics(group), BatchTracing(group), *extra])


class BatchApplier:
    """Applies one service's decoded batches to Postgres, exactly once each, in order."""

    def __init__(
        self,
        service: Service,
        pool: asyncpg.Pool,
        names: TopicNames,
        settings: LoopSettings,
        *,
        group: str | None = None,
        observer: Observer | None = None,
        bookkeeping: store.Bookkeeping = store,
    ) -> None:
        self.service = service
        self.group = group or service.name
        self.pool = pool
        self.names = names
        self.settings = settings
        self.observer = observer if observer is not None else standard_observer(self.group)
        self._store = bookkeeping
        self.dead_letters = DeadLetters(self.group, names, service.topics)
        self._attempts = Attempts(settings.max_attempts)
        self._preparation = Preparation(service, pool, self._attempts)
        self._handling = Handling(
            service, names, OneByOne(self._attempts), self.dead_letters, self.observer
        )
        # Held while a batch is applied, so a revoked partition's batch finishes first.
        self._lock = asyncio.Lock()

    async def apply(self, batch: Batch, stop: asyncio.Event) -> bool:
        """Apply a decoded batch exactly once, retrying failures until it sticks.

        False when `stop` came first: then nothing of the batch was committed.
        """
        self.observer.applying(batch)
        try:
            with logs.bound(group=self.group):
                done = await self._until_committed(batch, stop)
        except BaseException as exc:
            self.observer.ended(batch, exc)
            raise
        self.observer.ended(batch, None)
        return done

    async def wait_idle(self) -> None:
        """Return once no batch is being applied."""
        async with self._lock:
            return

    async def _until_committed(self, batch: Batch, stop: asyncio.Event) -> bool:
        # Events of this batch failed before (it was fetched again): isolate them at once.
        careful = self._attempts.any_failed(self._keys(batch))
        # After a failed whole-batch attempt: the events it was preparing or handling when
        # it failed. One of them failing at the same step on its own is counted for that
        # attempt too, so no event is run more than its attempt limit in all.
        prepared_together: set[Hashable] = set()
        handled_together: set[Hashable] = set()
        delay = self.settings.backoff_initial_s
        attempt = 0
        while True:
            attempt += 1
            self._preparation.running = self._handling.running = ()
            try:
                # Outside calls happen here, before the transaction, on every attempt.
                unprepared = await self._preparation.prepare(batch, careful, prepared_together)
                started = time.perf_counter()
                async with self._lock:
                    outcome = await self._transaction(batch, careful, unprepared, handled_together)
                seconds = time.perf_counter() - started
            except Exception as exc:
                prepared_together, handled_together = set(), set()
                if is_transient(exc):
                    kind = "transient"
                    log.warning(
                        "%s: transient error, retrying in %.1fs: %r", self.group, delay, exc
                    )
                elif not careful:
                    # Some record broke the batch: replay it a record at a time to find it.
                    careful = True
                    prepared_together, handled_together = self._tried()
                    log.warning("%s: batch failed (%r); retrying event by event", self.group, exc)
                    continue
                else:
                    kind = "handler"
                    log.warning("%s: %s; retrying in %.1fs", self.group, _said(exc), delay)
                self.observer.retrying(kind)
                if stop.is_set():
                    # Nothing of this batch was committed: the stored offsets replay it later.
                    return False
                await sleep_or_stop(delay, stop)
                delay = min(delay * 2, self.settings.backoff_max_s)
            else:
                # Applied or dead-lettered for good: their counts are done with.
                if self._attempts:
                    self._attempts.forget(self._keys(batch))
                self.observer.committed(batch, outcome, seconds, attempt)
                return True

    def _tried(self) -> tuple[set[Hashable], set[Hashable]]:
        """The events being prepared, and being handled, when an attempt failed."""
        return (
            {counted_as(e) for e in self._preparation.running},
            {counted_as(e) for e in self._handling.running},
        )

    def _keys(self, batch: Batch) -> list[Hashable]:
        """What the batch's records are counted by: event ids (with their offsets), or
        positions (raw records)."""
        if not self._attempts:
            return []
        position = self.dead_letters.position_id
        return [counted_as(e) for e in batch.events] + [position(r) for r in batch.raw]

    async def _transaction(
        self,
        batch: Batch,
        careful: bool,
        unprepared: set[uuid.UUID],
        tried_together: set[Hashable],
    ) -> BatchOutcome:
        async with self.pool.acquire() as conn, conn.transaction():
            uow = UnitOfWork(
                conn,
                self.group,
                self.names,
                emit_enabled=self.settings.emit_enabled,
                prepared=batch.prepared,
                traces=batch.traces,
            )
            batch.begun.set()
            retry = 0
            unique, to_claim = batch.unique(self.service)
            claimed = await self._store.claim(conn, self.group, to_claim)
            # Undecodable and raw records have no event id: their positions stand in.
            position = self.dead_letters.position_id
            failed_ids = {position(record): (record, why) for record, why in batch.failed}
            new_failures = await self._store.claim(conn, self.group, list(failed_ids))
            raw_ids = {position(record): record for record in batch.raw}
            new_raw = await self._store.claim(conn, self.group, list(raw_ids))
            raw = [record for at, record in raw_ids.items() if at in new_raw]
            # The same id twice in one batch: only the first occurrence is applied.
            fresh = _fresh(unique, claimed, self.service.replay_safe) if to_claim else unique
            dead = [
                self.dead_letters.letter(record, reason, kind="decode", attempts=1)
                for at, (record, reason) in failed_ids.items()
                if at in new_failures
            ]
            given_up: list[GivenUp[Event[Any]]] = []
            if careful:
                # An event whose preparation failed short of its limit is not handled now.
                ready = [e for e in fresh if e.envelope.event_id not in unprepared]
                found = await self._handling.one_by_one(ready, uow, tried_together)
                retry = len(fresh) - len(ready) + len(found.retry)
                given_up = found.given_up
            else:
                await self._handling.by_topic(fresh, uow)
            skipped: list[GivenUp[RawRecord]] = []
            if raw:
                handed = await self._handling.raw(raw, uow, careful=careful)
                retry += len(handed.retry)
                skipped = handed.given_up
            if retry:
                # Every failing record was counted in this one pass; all of it rolls back.
                raise _TryAgain(retry)
            self._skip(skipped)
            poisoned = [(g.item, self._letter_for(g.item, g.error, g.attempts)) for g in given_up]
            if poisoned:
                await self._store.release(
                    conn, self.group, [e.envelope.event_id for e, _ in poisoned]
                )
                dead += [letter for _, letter in poisoned]
            await self._store.write_outbox(conn, [*uow.outbox, *dead])
            await self._store.save_offsets(conn, self.group, batch.next_offsets)
        return BatchOutcome(fresh, dead, raw, [event for event, _ in poisoned])

    def _letter_for(self, event: Event[Any], error: Exception, attempts: int) -> OutgoingMessage:
        kind = "permanent" if is_permanent(error) else "exhausted"
        reason = f"{type(error).__name__}: {error}"
        with logs.bound(**logs.event_fields(event)):
            return self.dead_letters.letter(failed_event(event), reason, kind, attempts)

    def _skip(self, skipped: Sequence[GivenUp[RawRecord]]) -> None:
        for each in skipped:
            record = each.item
            where = {"topic": record.topic, "partition": record.partition, "offset": record.offset}
            log.error(
                "%s: skipping dead letter %s[%d]@%d after %d attempts: %r",
                self.group,
                record.topic,
                record.partition,
                record.offset,
                each.attempts,
                each.error,
                extra={"fields": where},
            )
            self.observer.skipped(record)


class _TryAgain(Exception):
    """Rolls a careful attempt back: some records failed short of their attempt limit."""

    def __init__(self, count: int) -> None:
        super().__init__(f"{count} record(s) failed short of their attempt limit")


def _said(exc: Exception) -> str:
    return str(exc) if isinstance(exc, _TryAgain) else f"error outside any one record: {exc!r}"


def _fresh(
    unique: Sequence[Event[Any]], claimed: set[uuid.UUID], replay_safe: frozenset[Any]
) -> list[Event[Any]]:
    """Of the batch's unique events, the replay-safe ones and those newly claimed."""
    new = {event_id.int for event_id in claimed}
    return [e for e in unique if e.spec in replay_safe or e.envelope.event_id.int in new]
