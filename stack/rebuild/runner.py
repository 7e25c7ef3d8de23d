"""`azora projections rebuild`: replay a projection's topics into fresh tables, then swap.

1. Catch up: read the projection's topics from the earliest offsets under a group of its
   own, applying its handlers to shadow tables (outbox writes off), in passes that chase
   the live `projections` group's stored offsets but never pass them.
2. Swap, once a pass leaves only a small gap: in one transaction, lock the live tables
   against writers (readers go on) and the live group's offsets of these topics, apply
   the last few events up to exactly those offsets, optionally compare checksums, and
   move the shadow tables into `read`. The live group then continues on the new tables
   from where the rebuild stopped, so every event is applied to them exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from azora import databases, db, kafka
from azora.consume import store
from azora.consume.records import RecordsApplier
from azora.consume.service import Service
from azora.consume.settings import LoopSettings
from azora.db import READ_MODELS, Connection
from azora.settings import Settings
from azora.topics import TopicNames
from stack.rebuild import versions
from stack.rebuild.versions import Shadow

log = logging.getLogger(__name__)

LIVE_OFFSETS_FOR_UPDATE = """
SELECT topic, partition, next_offset FROM azora.consumer_offsets
WHERE group_id = $1 AND topic = ANY($2::text[])
ORDER BY topic, partition
FOR UPDATE
"""


@dataclass
class Progress:
    """Where a rebuild stands: shown by the CLI, returned to callers."""

    applied: int = 0
    remaining: int = 0
    passes: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def rate(self) -> float:
        return self.applied / max(1e-9, time.monotonic() - self.started)


@dataclass(frozen=True)
class Outcome:
    """How a rebuild ended."""

    shadow: Shadow
    swapped: bool
    resumed: bool
    applied: int
    seconds: float
    # table → (live digest, rebuilt digest), when asked to verify.
    checksums: dict[str, tuple[str, str]]


class TruncatedHistory(Exception):
    """Kafka no longer holds a topic's first records: a rebuild would lose their effects."""


class ChecksumMismatch(Exception):
    """The rebuilt tables differ from the live ones at the same offsets: nothing swapped."""


class ProjectionRebuild:
    """Rebuilds one projection (a Service that declares its `tables`)."""

    def __init__(
        self,
        settings: Settings,
        projection: Service,
        names: TopicNames,
        *,
        final_gap: int = 2_000,
        max_batch: int = 5_000,
        verify: bool = False,
        restart: bool = False,
        allow_truncated: bool = False,
        on_progress: Callable[[Progress], None] = lambda _: None,
    ) -> None:
        if not projection.tables:
            raise ValueError(f"{projection.name} declares no read-model tables to rebuild")
        self.settings = settings
        self.projection = projection
        self.names = names
        self.final_gap = final_gap
        self.max_batch = max_batch
        self.verify = verify
        self.restart = restart
        self.allow_truncated = allow_truncated
        self.on_progress = on_progress
        self.topics = projection.physical_topics(names)
        self.live_group = names.group("projections")
        self.progress = Progress()
        self._positions: dict[TopicPartition, int] = {}

    async def run(self, stop: asyncio.Event) -> Outcome | None:
        """Rebuild and swap; None when `stop` came first (running again resumes it)."""
        started = time.monotonic()
        live_pool = await db.create_pool(
            databases.url_for(self.settings, "projections"), min_size=1, max_size=2
        )
        try:
            async with live_pool.acquire() as conn:
                shadow, resumed = await versions.begin(
                    conn,
                    self.projection.name,
                    self.projection.tables,
                    self.names,
                    restart=self.restart,
                )
            log.info(
                "%s: %s version %d in %s as group %s",
                self.projection.name,
                "resuming" if resumed else "building",
                shadow.version,
                shadow.schema,
                shadow.group,
            )
            shadow_pool = await db.create_pool(
                databases.url_for(self.settings, "projections"),
                min_size=1,
                max_size=2,
                read_models=shadow.schema,
            )
            consumer = self._consumer(shadow.group)
            await consumer.start()
            try:
                # Its Kafka commits end with this block, before the consumer stops: a
                # rebuild that returned commits nothing more (its topics may go next).
                applying = RecordsApplier(
                    self.projection,
                    consumer,
                    shadow_pool,
                    self.names,
                    LoopSettings(max_batch=self.max_batch, emit_enabled=False),
                    group=shadow.group,
                )
                async with contextlib.aclosing(applying) as applier:
                    await self._assign(consumer, shadow_pool, shadow.group)
                    try:
                        checksums = await self._catch_up_and_swap(applier, live_pool, shadow, stop)
                    except _Interrupted:
                        checksums = None
            finally:
                await consumer.stop()
                await shadow_pool.close()
        finally:
            await live_pool.close()
        if checksums is None:
            return None
        return Outcome(
            shadow, True, resumed, self.progress.applied, time.monotonic() - started, checksums
        )

    def _consumer(self, group: str) -> AIOKafkaConsumer:
        # A group id only so its offsets are committed (lag tools show the rebuild); the
        # partitions are assigned by hand, so it never joins or disturbs a live group.
        return AIOKafkaConsumer(
            **kafka.client_kwargs(self.settings),
            group_id=group,
            client_id=f"azora-rebuild-{self.projection.name}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=4 * 1024 * 1024,
            fetch_max_wait_ms=100,
        )

    async def _assign(self, consumer: AIOKafkaConsumer, pool: db.Pool, group: str) -> None:
        found = await kafka.partitions(self.settings, self.topics)
        tps = [TopicPartition(topic, p) for topic in self.topics for p in found.get(topic, [])]
        consumer.assign(tps)
        stored = await store.load_offsets(pool, group, self.topics)
        if not stored and not self.allow_truncated:
            # Facts are kept for ever (see the catalogue); commands only for a while.
            starts = await consumer.beginning_offsets(tps)
            truncated = sorted(f"{tp.topic}[{tp.partition}]" for tp, s in starts.items() if s > 0)
            if truncated:
                raise TruncatedHistory(
                    f"retention already removed the first records of {', '.join(truncated)}; "
                    "pass --allow-truncated to rebuild from what is left"
                )
        for tp in tps:
            offset = stored.get((tp.topic, tp.partition))
            if offset is None:
                await consumer.seek_to_beginning(tp)
                self._positions[tp] = 0
            else:
                consumer.seek(tp, offset)
                self._positions[tp] = offset
        consumer.pause(*tps)

    async def _catch_up_and_swap(
        self, applier: RecordsApplier, live_pool: db.Pool, shadow: Shadow, stop: asyncio.Event
    ) -> dict[str, tuple[str, str]] | None:
        while not stop.is_set():
            targets = await self._live_offsets(live_pool)
            self.progress.remaining = self._gap(targets)
            self.on_progress(self.progress)
            if self.progress.remaining <= self.final_gap:
                swapped = await self._swap(applier, live_pool, shadow, stop)
                if swapped is not None:
                    return swapped
                continue  # could not lock in time: catch up some more, then try again
            self.progress.passes += 1
            if not await self._consume_until(applier, targets, stop):
                return None
        return None

    async def _live_offsets(self, conn: Connection | db.Pool) -> dict[TopicPartition, int]:
        stored = await store.load_offsets(conn, self.live_group, self.topics)
        return {tp: stored.get((tp.topic, tp.partition), 0) for tp in self._positions}

    def _gap(self, targets: dict[TopicPartition, int]) -> int:
        return sum(max(0, targets[tp] - self._positions[tp]) for tp in self._positions)

    async def _consume_until(
        self, applier: RecordsApplier, targets: dict[TopicPartition, int], stop: asyncio.Event
    ) -> bool:
        """Apply every record below each partition's target, none at or past it."""
        consumer = applier.consumer
        pending = {tp for tp in self._positions if self._positions[tp] < targets[tp]}
        consumer.resume(*pending)
        try:
            while pending and not stop.is_set():
                fetched = await consumer.getmany(
                    *pending, timeout_ms=500, max_records=self.max_batch
                )
                kept = {}
                for tp, records in fetched.items():
                    limit = targets[tp]
                    keep = [r for r in records if r.offset < limit]
                    if keep:
                        kept[tp] = keep
                    if len(keep) < len(records):
                        # Fetched past the target: the live group applies those, not us.
                        consumer.seek(tp, limit)
                    if len(keep) < len(records) or (keep and keep[-1].offset + 1 >= limit):
                        pending.discard(tp)
                        consumer.pause(tp)
                if not kept:
                    continue
                applied = await applier.apply(kept, stop)
                if applied is None:
                    return False
                for (topic, partition), offset in applied.items():
                    self._positions[TopicPartition(topic, partition)] = offset
                self.progress.applied += sum(len(r) for r in kept.values())
                self.progress.remaining = self._gap(targets)
                self.on_progress(self.progress)
        finally:
            consumer.pause(*self._positions)
        return not stop.is_set()

    async def _swap(
        self, applier: RecordsApplier, live_pool: db.Pool, shadow: Shadow, stop: asyncio.Event
    ) -> dict[str, tuple[str, str]] | None:
        tables = self.projection.tables
        async with live_pool.acquire() as conn, conn.transaction():
            # Writers of the live tables wait from here to the commit; readers do not
            # (until the last statements, which take the tables away for an instant).
            await conn.execute("SET LOCAL lock_timeout = '10s'")
            try:
                await conn.execute(
                    "LOCK TABLE "
                    + ", ".join(f'"{READ_MODELS}"."{t}"' for t in tables)
                    + " IN EXCLUSIVE MODE"
                )
            except asyncpg.LockNotAvailableError as exc:
                log.warning("%s: live tables busy (%r); trying again", self.projection.name, exc)
                return None
            rows = await conn.fetch(LIVE_OFFSETS_FOR_UPDATE, self.live_group, self.topics)
            stored = {(r["topic"], r["partition"]): r["next_offset"] for r in rows}
            targets = {tp: stored.get((tp.topic, tp.partition), 0) for tp in self._positions}
            if not await self._consume_until(applier, targets, stop):
                raise _Interrupted
            mismatched = {
                tp: (self._positions[tp], targets[tp])
                for tp in self._positions
                if self._positions[tp] != targets[tp]
            }
            if mismatched:
                raise RuntimeError(f"rebuild stopped short of the live offsets: {mismatched}")
            checksums = {}
            if self.verify:
                for table in tables:
                    checksums[table] = (
                        await versions.checksum(conn, READ_MODELS, table),
                        await versions.checksum(conn, shadow.schema, table),
                    )
                differ = [t for t, (live, new) in checksums.items() if live != new]
                if differ:
                    raise ChecksumMismatch(f"rebuilt rows differ from live rows in {differ}")
            await versions.swap(conn, shadow, tables)
        log.info("%s: version %d is live", self.projection.name, shadow.version)
        return checksums


class _Interrupted(Exception):
    """Stopped during the final catch-up: the swap transaction rolls back."""
