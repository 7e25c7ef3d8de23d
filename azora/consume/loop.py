"""The consume loop: batches from Kafka applied exactly once in one Postgres transaction.

Per batch: decode (undecodable records become dead letters), then in one transaction
claim the event ids in the inbox (except on topics the service declares replay-safe,
whose handlers absorb a repeat), run handlers for the new ones, write the outbox and
the next offsets; commit; then commit the same offsets to Kafka for its tools. On
assignment the consumer seeks to the offsets stored in Postgres, so a crash anywhere
loses nothing and repeats nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.structs import ConsumerRecord, OffsetAndMetadata

from azora import metrics, tracing
from azora.aio import sleep_or_stop
from azora.consume import store
from azora.consume.dead_letters import FailedRecord, dead_letter
from azora.consume.errors import is_permanent, is_transient
from azora.consume.service import RawRecord, Service
from azora.consume.spans import BatchSpans
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import DecodeError, Event, OutgoingMessage, decode
from azora.topics import TopicNames

log = logging.getLogger(__name__)

# Records fetched and decoded between two yields to the event loop (see `next_batch`).
SLICE = 25

# Names inbox ids for records that have no event id of their own (see `_position_id`).
_POSITION_NAMESPACE = uuid.UUID("1d6c5a8e-2f0b-4c1e-9a57-3b1f6e0c9d42")


@dataclass(frozen=True)
class LoopSettings:
    """Knobs of one consume loop."""

    max_batch: int = 1000
    fetch_wait_ms: int = 100
    max_attempts: int = 5
    backoff_initial_s: float = 0.2
    backoff_max_s: float = 30.0
    emit_enabled: bool = True
    # A record body larger than this is dead-lettered undecoded (Kafka's own default
    # max.message.bytes is about 1 MiB): one huge record must not hold a batch's memory.
    max_record_bytes: int = 1024 * 1024
    # Kafka's copy of the offsets (for lag tools) is refreshed at most this often: a commit
    # per batch cost the broker and this process a request each for nothing Postgres lacks.
    kafka_commit_interval_s: float = 1.0


@dataclass
class _Batch:
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
    # Tracing on: each event's span as the parent of what it causes, and what became of it.
    traces: dict[uuid.UUID, bytes] = field(default_factory=dict)
    outcomes: dict[uuid.UUID, str] = field(default_factory=dict)
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

    @property
    def size(self) -> int:
        """Records fetched into this batch."""
        return self.record_count + len(self.raw)

    def extend(self, later: _Batch) -> None:
        """Append a batch decoded from the records that followed this one's."""
        self.events += later.events
        self.failed += later.failed
        self.raw += later.raw
        self.record_count += later.record_count
        self.next_offsets.update(later.next_offsets)
        self._unique = None


class ConsumeLoop:
    """Runs one service's consumer group until `stop` is set."""

    def __init__(
        self,
        service: Service,
        consumer: AIOKafkaConsumer,
        pool: asyncpg.Pool,
        names: TopicNames,
        settings: LoopSettings,
        *,
        group: str | None = None,
    ) -> None:
        self.service = service
        self.group = group or service.name
        self.consumer = consumer
        self.pool = pool
        self.names = names
        self.settings = settings
        self._by_topic = {names.physical(spec): spec for spec in service.topics}
        self._dead_letter_topics = {names.dlq(spec): spec for spec in service.dead_letter_handlers}
        # Held while a batch is applied, so a revoked partition's batch finishes first.
        self._batch_lock = asyncio.Lock()
        # Tries per event id for handler errors that are neither transient nor permanent.
        self._attempts: Counter[Any] = Counter()
        # Offsets waiting to be committed to Kafka, and the task committing them.
        self._to_commit: dict[tuple[str, int], int] = {}
        self._committing: asyncio.Task[None] | None = None
        self._last_kafka_commit = float("-inf")
        self._highest_to_kafka: dict[tuple[str, int], int] = {}
        # Set at shutdown: the pending offsets go out now, not at the next interval.
        self._commit_now = asyncio.Event()
        # Applied batches, freed by the fetching task (see `_apply_in_order`).
        self._spent: list[_Batch] = []

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set; the batch in hand is finished and committed first."""
        self.consumer.subscribe(
            self.service.physical_topics(self.names), listener=_SeekToStoredOffsets(self)
        )
        await self.consumer.start()
        # Decoded batches wait here for the applier task, so fetching and decoding the next
        # batch overlap with Postgres applying this one (two processes on two cores), the
        # applier goes from one transaction straight to the next, and batches are still
        # applied strictly in order.
        ready: asyncio.Queue[_Batch | None] = asyncio.Queue()
        applier = asyncio.create_task(self._apply_in_order(ready, stop))
        handed: _Batch | None = None
        try:
            while not stop.is_set() and not applier.done():
                batch = await self.next_batch()
                if not batch.size:
                    continue
                if handed is not None:
                    # One batch waits at most, and this task fetches on only once the
                    # applier has begun that one: BEGIN's answer is then taken up at once,
                    # and the fetching runs while Postgres works on the batch's statements.
                    await _unless_ended(handed.begun.wait(), applier)
                ready.put_nowait(batch)
                handed = batch
                del batch  # a spent batch is freed by `_free_spent`, not in the applier's way
            ready.put_nowait(None)
            await applier  # the batches handed over are applied; what broke it is raised
        finally:
            if not applier.done():
                applier.cancel()
            self._commit_now.set()
            if self._committing is not None:
                await asyncio.gather(self._committing, return_exceptions=True)
            await self.consumer.stop()

    async def _apply_in_order(
        self, ready: asyncio.Queue[_Batch | None], stop: asyncio.Event
    ) -> None:
        """Apply batches as they are handed over, until the end marker (None)."""
        while (batch := await ready.get()) is not None:
            applied = await self.apply(batch, stop)
            # Freeing a batch's tens of thousands of objects takes milliseconds: the
            # fetching task does it a slice at a time while Postgres works on the next one.
            self._spent.append(batch)
            del batch
            if not applied:
                # Stopped before that batch committed: a later one must not commit either,
                # or its offsets would skip the unfinished batch for good.
                return

    async def apply(self, batch: _Batch, stop: asyncio.Event) -> bool:
        """Apply a decoded batch exactly once, retrying failures until it sticks.

        False when `stop` came first: then nothing of the batch was committed.
        """
        metrics.BATCH_SIZE.labels(self.group).observe(batch.size)
        tracer = tracing.tracer()
        if tracer is None:
            return await self._apply_until_done(batch, stop, None)
        spans = BatchSpans(tracer, self.group, batch.events)
        batch.traces = dict(spans.traceparents)
        try:
            done = await self._apply_until_done(batch, stop, spans)
        except BaseException as exc:
            spans.end(batch.outcomes, exc)
            raise
        spans.end(batch.outcomes)
        return done

    async def _apply_until_done(
        self, batch: _Batch, stop: asyncio.Event, spans: BatchSpans | None
    ) -> bool:
        careful = False
        delay = self.settings.backoff_initial_s
        attempt = 0
        while True:
            attempt += 1
            try:
                # Outside calls happen here, before the transaction, on every attempt.
                batch.prepared = await self._prepare(batch)
                started = time.perf_counter()
                started_ns = time.time_ns()
                async with self._batch_lock:
                    await self._apply(batch, careful=careful)
                metrics.BATCH_SECONDS.labels(self.group).observe(time.perf_counter() - started)
                if spans is not None:
                    spans.transaction(started_ns, time.time_ns(), attempt)
                break
            except Exception as exc:
                if is_transient(exc):
                    metrics.RETRIES.labels(self.group, "transient").inc()
                    log.warning(
                        "%s: transient error, retrying in %.1fs: %r", self.group, delay, exc
                    )
                elif not careful:
                    # Some event broke the batch: replay it one savepoint per event to find it.
                    careful = True
                    log.warning("%s: batch failed (%r); retrying event by event", self.group, exc)
                    continue
                else:
                    metrics.RETRIES.labels(self.group, "handler").inc()
                    log.warning("%s: handler error, retrying in %.1fs: %r", self.group, delay, exc)
                if stop.is_set():
                    # Nothing of this batch was committed: the stored offsets replay it later.
                    return False
                await sleep_or_stop(delay, stop)
                delay = min(delay * 2, self.settings.backoff_max_s)
        self._schedule_kafka_commit(batch.next_offsets)
        return True

    async def _prepare(self, batch: _Batch) -> dict[uuid.UUID, Any]:
        if not self.service.prepare:
            return {}
        by_spec: dict[Any, list[Event[Any]]] = defaultdict(list)
        unique, _ = batch.unique(self.service)
        for event in unique:
            if event.spec in self.service.prepare:
                by_spec[event.spec].append(event)
        prepared: dict[uuid.UUID, Any] = {}
        for spec, events in by_spec.items():
            prepared.update(await self.service.prepare[spec](events, self.pool))
        return prepared

    async def next_batch(self) -> _Batch:
        """Up to `max_batch` records, fetched and decoded a slice at a time.

        Fetching and decoding a whole batch at once would hold the event loop for
        milliseconds, and each round trip of the batch being applied (BEGIN, the handlers'
        statements, offsets, COMMIT) would wait for it while Postgres idled. In slices,
        Postgres's answers are taken up within a slice's time and both processes stay busy.
        The previous batches' objects are freed in the same slices.
        """
        batch = _Batch()
        wait_ms = self.settings.fetch_wait_ms
        while (room := self.settings.max_batch - batch.size) > 0:
            fetched = await self.consumer.getmany(timeout_ms=wait_ms, max_records=min(room, SLICE))
            self._free_spent(SLICE)
            if not fetched:
                break
            batch.extend(self.decode(fetched))
            wait_ms = 0  # a batch takes what is buffered; it does not wait to fill up
            await asyncio.sleep(0)
        batch.unique(self.service)  # here, not on the applier's time
        return batch

    def _free_spent(self, count: int) -> None:
        """Drop `count` events of an applied batch, from the end: O(1) each."""
        if not self._spent:
            return
        spent = self._spent[-1]
        del spent.events[-count:]
        if not spent.events:
            self._spent.pop()

    def decode(self, fetched: dict[TopicPartition, list[ConsumerRecord]]) -> _Batch:
        batch = _Batch()
        limit = self.settings.max_record_bytes
        for tp, records in fetched.items():
            spec = self._by_topic.get(tp.topic)
            if spec is None:
                # A dead-letter topic: its records go to their handler as they are.
                batch.raw += [_raw(record) for record in records]
                if records:
                    batch.next_offsets[(tp.topic, tp.partition)] = records[-1].offset + 1
                continue
            batch.record_count += len(records)
            for record in records:
                headers = tuple(record.headers or ())
                if record.value is not None and len(record.value) > limit:
                    reason = f"record of {len(record.value)} bytes exceeds the limit of {limit}"
                    batch.failed.append((_failed(record), reason))
                    continue
                try:
                    envelope, payload = decode(spec, record.value)
                except DecodeError as exc:
                    batch.failed.append((_failed(record), str(exc)))
                    continue
                # Positional: a third cheaper than keywords, once per event.
                batch.events.append(
                    Event(
                        spec,
                        envelope,
                        payload,
                        tp.topic,
                        tp.partition,
                        record.offset,
                        headers,
                        record.key,
                        record.value,
                    )
                )
            if records:
                batch.next_offsets[(tp.topic, tp.partition)] = records[-1].offset + 1
        return batch

    async def _apply(self, batch: _Batch, *, careful: bool) -> None:
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
            unique, to_claim = batch.unique(self.service)
            claimed = await store.claim(conn, self.group, to_claim)
            # An undecodable record has no event id; its position stands in for one, so the
            # same record fetched twice (a rebalance) is dead-lettered once.
            failed_ids = {self._position_id(record): (record, why) for record, why in batch.failed}
            new_failures = await store.claim(conn, self.group, list(failed_ids))
            # Raw records have no event id either: claimed by position in the same way.
            raw_ids = {self._position_id(record): record for record in batch.raw}
            new_raw = await store.claim(conn, self.group, list(raw_ids))
            raw = [record for position, record in raw_ids.items() if position in new_raw]
            # The same id twice in one batch: only the first occurrence is applied.
            fresh = _fresh(unique, claimed, self.service.replay_safe) if to_claim else unique
            dead = [
                self._dead(record, reason, kind="decode", attempts=1)
                for position, (record, reason) in failed_ids.items()
                if position in new_failures
            ]
            poisoned: list[tuple[Event[Any], OutgoingMessage]] = []
            if careful:
                poisoned = await self._apply_one_by_one(fresh, uow, batch)
                await store.release(conn, self.group, [e.envelope.event_id for e, _ in poisoned])
                dead += [letter for _, letter in poisoned]
            else:
                await self._apply_by_topic(fresh, uow)
            if raw:
                await self._apply_raw(raw, uow, careful=careful)
            await store.write_outbox(conn, [*uow.outbox, *dead])
            await store.save_offsets(conn, self.group, batch.next_offsets)
        self._count(batch, fresh, dead, raw)
        if batch.traces:
            batch.outcomes = _outcomes(batch, fresh, [e for e, _ in poisoned])

    async def _apply_by_topic(self, events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        by_spec: dict[Any, list[Event[Any]]] = defaultdict(list)
        for event in events:
            by_spec[event.spec].append(event)
        for spec, group in by_spec.items():
            started = time.perf_counter()
            await self.service.handlers[spec](group, uow)
            metrics.HANDLER_SECONDS.labels(self.group, spec.name).observe(
                time.perf_counter() - started
            )

    async def _apply_one_by_one(
        self, events: Sequence[Event[Any]], uow: UnitOfWork, batch: _Batch
    ) -> list[tuple[Event[Any], OutgoingMessage]]:
        """Apply each event in its own savepoint; return the ones given up on, as dead letters."""
        dead = []
        for event in events:
            mark = uow.mark()
            try:
                async with uow.conn.transaction():  # a savepoint per event
                    await self.service.handlers[event.spec]([event], uow)
            except Exception as exc:
                uow.rollback_to(mark)
                if is_transient(exc):
                    raise
                event_id = event.envelope.event_id
                self._attempts[event_id] += 1
                attempts = self._attempts[event_id]
                if not is_permanent(exc) and attempts < self.settings.max_attempts:
                    raise
                record = _failed_event(event)
                kind = "permanent" if is_permanent(exc) else "exhausted"
                letter = self._dead(record, f"{type(exc).__name__}: {exc}", kind, attempts)
                dead.append((event, letter))
                del self._attempts[event_id]
        return dead

    async def _apply_raw(
        self, records: Sequence[RawRecord], uow: UnitOfWork, *, careful: bool
    ) -> None:
        """Hand dead-letter records to their handlers; once careful, one savepoint each.

        A dead letter has nowhere further to go: one its handler keeps refusing is
        retried like any event, and after the attempt limit skipped (it stays on its
        dead-letter topic, and the log says which).
        """
        by_spec: dict[Any, list[RawRecord]] = defaultdict(list)
        for record in records:
            by_spec[self._dead_letter_topics[record.topic]].append(record)
        for spec, group in by_spec.items():
            handler = self.service.dead_letter_handlers[spec]
            if not careful:
                await handler(group, uow)
                continue
            for record in group:
                mark = uow.mark()
                try:
                    async with uow.conn.transaction():
                        await handler([record], uow)
                except Exception as exc:
                    uow.rollback_to(mark)
                    if is_transient(exc):
                        raise
                    position = self._position_id(record)
                    self._attempts[position] += 1
                    if self._attempts[position] < self.settings.max_attempts:
                        raise
                    del self._attempts[position]
                    log.error(
                        "%s: skipping dead letter %s[%d]@%d after %d attempts: %r",
                        self.group,
                        record.topic,
                        record.partition,
                        record.offset,
                        self.settings.max_attempts,
                        exc,
                    )
                    metrics.EVENTS.labels(self.group, record.topic, "skipped").inc()

    def _position_id(self, record: FailedRecord | RawRecord) -> uuid.UUID:
        return uuid.uuid5(
            _POSITION_NAMESPACE, f"{self.group}|{record.topic}|{record.partition}|{record.offset}"
        )

    def _dead(self, record: FailedRecord, reason: str, kind: str, attempts: int) -> OutgoingMessage:
        spec = self._by_topic[record.topic]
        log.error(
            "%s: dead-lettering %s[%d]@%d: %s",
            self.group,
            record.topic,
            record.partition,
            record.offset,
            reason,
        )
        return dead_letter(
            record,
            dlq_topic=self.names.dlq(spec),
            group=self.group,
            error=reason,
            kind=kind,
            attempts=attempts,
        )

    def _count(
        self,
        batch: _Batch,
        fresh: Sequence[Event[Any]],
        dead: Sequence[OutgoingMessage],
        raw: Sequence[RawRecord] = (),
    ) -> None:
        for topic, count in Counter(record.topic for record in raw).items():
            metrics.EVENTS.labels(self.group, topic, "applied").inc(count)
        applied = Counter(event.topic for event in fresh)
        ignored = Counter(event.topic for event in batch.ignored)
        seen = Counter(event.topic for event in batch.events)
        for topic, count in seen.items():
            metrics.EVENTS.labels(self.group, topic, "applied").inc(applied[topic])
            metrics.EVENTS.labels(self.group, topic, "ignored").inc(ignored[topic])
            duplicates = count - applied[topic] - ignored[topic]
            metrics.EVENTS.labels(self.group, topic, "duplicate").inc(duplicates)
        for message in dead:
            metrics.DEAD_LETTERS.labels(self.group, message.topic).inc()
            metrics.EVENTS.labels(self.group, message.topic, "dead_lettered").inc()

    def _schedule_kafka_commit(self, next_offsets: dict[tuple[str, int], int]) -> None:
        # Off the critical path: the next batch need not wait for Kafka's answer. Offsets
        # accumulate while a commit is in flight and go out together in the next one.
        # Never backwards: a batch decoded before a rebalance may be applied after it.
        for position, offset in next_offsets.items():
            if offset > self._highest_to_kafka.get(position, -1):
                self._highest_to_kafka[position] = self._to_commit[position] = offset
        if self._to_commit and (self._committing is None or self._committing.done()):
            self._committing = asyncio.create_task(self._commit_pending())

    async def _commit_pending(self) -> None:
        while self._to_commit:
            wait = self._last_kafka_commit + self.settings.kafka_commit_interval_s
            if (left := wait - time.monotonic()) > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._commit_now.wait(), left)
            offsets, self._to_commit = self._to_commit, {}
            self._last_kafka_commit = time.monotonic()
            await self._commit_to_kafka(offsets)

    async def _commit_to_kafka(self, next_offsets: dict[tuple[str, int], int]) -> None:
        # Best effort: Postgres holds the truth; this only keeps Kafka's lag tools honest.
        owned = self.consumer.assignment()
        offsets = {
            TopicPartition(topic, partition): OffsetAndMetadata(offset, "")
            for (topic, partition), offset in next_offsets.items()
            if TopicPartition(topic, partition) in owned
        }
        if not offsets:
            return
        try:
            await self.consumer.commit(offsets)
        except Exception as exc:
            log.info("%s: Kafka offset commit skipped (%r); Postgres has them", self.group, exc)

    async def seek_to_stored(self, assigned: set[TopicPartition]) -> None:
        """Position each newly assigned partition just past what Postgres says was applied."""
        stored = await store.load_offsets(self.pool, self.group, {tp.topic for tp in assigned})
        resumed: dict[tuple[str, int], int] = {}
        for tp in assigned:
            offset = stored.get((tp.topic, tp.partition))
            if offset is None:
                await self.consumer.seek_to_beginning(tp)
            else:
                self.consumer.seek(tp, offset)
                resumed[(tp.topic, tp.partition)] = offset
        # Kafka's copy may be behind (a member killed before its commit went out): bring it
        # level now, or a partition with nothing new to read would show lag for ever.
        self._schedule_kafka_commit(resumed)
        log.info("%s: assigned %s", self.group, sorted((tp.topic, tp.partition) for tp in assigned))

    async def wait_for_batch(self) -> None:
        """Return once no batch is being applied."""
        async with self._batch_lock:
            return


def _fresh(
    unique: Sequence[Event[Any]], claimed: set[uuid.UUID], replay_safe: frozenset[Any]
) -> list[Event[Any]]:
    """Of the batch's unique events, the replay-safe ones and those newly claimed."""
    new = {event_id.int for event_id in claimed}
    return [e for e in unique if e.spec in replay_safe or e.envelope.event_id.int in new]


def _outcomes(
    batch: _Batch, fresh: Sequence[Event[Any]], poisoned: Sequence[Event[Any]]
) -> dict[uuid.UUID, str]:
    """What became of each event of a committed batch (for its span)."""
    outcomes = dict.fromkeys((e.envelope.event_id for e in batch.events), "duplicate")
    outcomes.update(dict.fromkeys((e.envelope.event_id for e in batch.ignored), "ignored"))
    outcomes.update(dict.fromkeys((e.envelope.event_id for e in fresh), "applied"))
    outcomes.update(dict.fromkeys((e.envelope.event_id for e in poisoned), "dead_lettered"))
    return outcomes


async def _unless_ended(waiting: Coroutine[Any, Any, Any], applier: asyncio.Task[None]) -> None:
    """Wait for `waiting`, unless the applier ends first (stopped, or broken)."""
    waiter = asyncio.ensure_future(waiting)
    await asyncio.wait({waiter, applier}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()


def _raw(record: ConsumerRecord) -> RawRecord:
    return RawRecord(
        record.topic,
        record.partition,
        record.offset,
        record.timestamp,
        record.key,
        record.value,
        tuple(record.headers or ()),
    )


def _failed_event(event: Event[Any]) -> FailedRecord:
    """The record an event was decoded from, as its dead letter copies it."""
    return FailedRecord(
        event.topic, event.partition, event.offset, event.key, event.value, event.headers
    )


def _failed(record: ConsumerRecord) -> FailedRecord:
    return FailedRecord(
        record.topic,
        record.partition,
        record.offset,
        record.key,
        record.value,
        tuple(record.headers or ()),
    )


class _SeekToStoredOffsets(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, loop: ConsumeLoop) -> None:
        self._loop = loop

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self._loop.wait_for_batch()

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        # The fetcher may start on a new partition before the stored offsets are read:
        # hold it until the seek, or records from the wrong position would come back.
        self._loop.consumer.pause(*assigned)
        delay = self._loop.settings.backoff_initial_s
        try:
            while True:
                try:
                    await self._loop.seek_to_stored(assigned)
                    return
                except Exception as exc:
                    if not is_transient(exc):
                        raise
                    log.warning("%s: cannot read stored offsets yet: %r", self._loop.group, exc)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self._loop.settings.backoff_max_s)
        finally:
            self._loop.consumer.resume(*assigned)
