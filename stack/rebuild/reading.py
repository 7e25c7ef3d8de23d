"""Reading a projection's topics into its shadow tables: from the rebuild group's stored
offsets (or the beginning), up to offsets the caller names and never past them."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition

from azora import db, kafka
from azora.consume import store
from azora.consume.batch import Batch
from azora.consume.fetching import SLICE, SpentBatches
from azora.consume.pipeline import applying_in_order
from azora.consume.records import RecordsApplier
from azora.settings import Settings
from stack.rebuild.progress import Progress


class TruncatedHistory(Exception):
    """Kafka no longer holds a topic's first records: a rebuild would lose their effects."""


def rebuild_consumer(settings: Settings, group: str, projection: str) -> AIOKafkaConsumer:
    """A consumer for the rebuild group, its partitions to be assigned by hand."""
    # A group id only so its offsets are committed (lag tools show the rebuild); the
    # partitions are assigned by hand, so it never joins or disturbs a live group.
    return AIOKafkaConsumer(
        **kafka.client_kwargs(settings),
        group_id=group,
        client_id=f"azora-rebuild-{projection}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=4 * 1024 * 1024,
        fetch_max_wait_ms=100,
    )


class ShadowReader:
    """Applies a projection's records to its shadow tables, partition by partition, each up
    to a target offset; knows where every partition stands."""

    def __init__(
        self,
        applier: RecordsApplier,
        *,
        max_batch: int,
        progress: Progress,
        on_progress: Callable[[Progress], None],
    ) -> None:
        self.applier = applier
        self.max_batch = max_batch
        self.progress = progress
        self.on_progress = on_progress
        # Each partition's next offset to apply.
        self.positions: dict[TopicPartition, int] = {}
        # Applied batches, freed beside the fetching as the consume loop frees its own.
        self.spent = SpentBatches()

    async def assign(
        self,
        settings: Settings,
        topics: list[str],
        pool: db.Pool,
        group: str,
        *,
        allow_truncated: bool,
    ) -> None:
        """Take every partition of `topics`, positioned where `group` stopped (or at the
        beginning), and hold them paused until a target is given."""
        consumer = self.applier.consumer
        found = await kafka.partitions(settings, topics)
        tps = [TopicPartition(topic, p) for topic in topics for p in found.get(topic, [])]
        consumer.assign(tps)
        stored = await store.load_offsets(pool, group, topics)
        if not stored and not allow_truncated:
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
                self.positions[tp] = 0
            else:
                consumer.seek(tp, offset)
                self.positions[tp] = offset
        consumer.pause(*tps)

    def gap(self, targets: dict[TopicPartition, int]) -> int:
        """How many records lie between where each partition stands and its target."""
        return sum(max(0, targets[tp] - self.positions[tp]) for tp in self.positions)

    async def consume_until(self, targets: dict[TopicPartition, int], stop: asyncio.Event) -> bool:
        """Apply every record below each partition's target, none at or past it.

        The next batch is fetched and decoded while Postgres applies this one
        (`pipeline.InOrder`), as the consume loop does.
        """
        consumer = self.applier.consumer
        pending = {tp for tp in self.positions if self.positions[tp] < targets[tp]}
        consumer.resume(*pending)
        apply = functools.partial(self._apply, targets, stop)
        try:
            async with applying_in_order(apply) as batches:
                while pending and not stop.is_set() and batches.running:
                    batch = await self._next_batch(targets, pending, stop)
                    if batch.size:
                        await batches.hand(batch)
                    del batch
                if not await batches.finish():
                    return False
        finally:
            consumer.pause(*self.positions)
        return not stop.is_set()

    async def _next_batch(
        self, targets: dict[TopicPartition, int], pending: set[TopicPartition], stop: asyncio.Event
    ) -> Batch:
        """Up to `max_batch` records below their partitions' targets, fetched and decoded a
        slice at a time (as `fetching.Fetcher` does, so the applier's round trips are taken
        up between slices); a partition leaves `pending` once it reaches its target."""
        consumer = self.applier.consumer
        batch = Batch()
        while pending and (room := self.max_batch - batch.size) > 0 and not stop.is_set():
            # Every pending partition has records left below its target: this returns as
            # soon as some are fetched, and waits only while none are buffered yet.
            fetched = await consumer.getmany(*pending, timeout_ms=500, max_records=min(room, SLICE))
            self.spent.free(SLICE)
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
            batch.extend(self.applier.decoder.decode(kept))
            await asyncio.sleep(0)
        batch.unique(self.applier.service)  # here, not on the applier's time
        return batch

    async def _apply(
        self, targets: dict[TopicPartition, int], stop: asyncio.Event, batch: Batch
    ) -> bool:
        applied = await self.applier.apply_batch(batch, stop)
        self.spent.add(batch)
        if not applied:
            return False
        for (topic, partition), offset in batch.next_offsets.items():
            self.positions[TopicPartition(topic, partition)] = offset
        self.progress.applied += batch.size
        self.progress.remaining = self.gap(targets)
        self.on_progress(self.progress)
        return True
