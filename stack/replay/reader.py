"""Reading a window: assigned partitions, seeks, batches; no consumer group, no commits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

from azora.kafka import client_kwargs
from azora.settings import Settings
from stack.replay.window import Span


def replay_consumer(settings: Settings, client_id: str = "azora-replay") -> AIOKafkaConsumer:
    """A consumer outside any group: it never joins, never commits, never shows as lag."""
    return AIOKafkaConsumer(
        **client_kwargs(settings),
        client_id=client_id,
        group_id=None,
        enable_auto_commit=False,
        # Aborted transactions are not events; kcat (librdkafka) reads the same way.
        isolation_level="read_committed",
        # A window start that retention deleted meanwhile: go on from what is left.
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=8 * 1024 * 1024,
        fetch_max_bytes=64 * 1024 * 1024,
        fetch_max_wait_ms=200,
    )


class WindowReader:
    """Yields the records of each partition's span, then stops: it never chases new ones."""

    def __init__(
        self, consumer: AIOKafkaConsumer, spans: Mapping[TopicPartition, Span], batch: int
    ) -> None:
        self._consumer = consumer
        self._spans = dict(spans)
        self._batch = batch
        # Per partition, the next offset not yet accounted for (for progress).
        self._next = {tp: span.start for tp, span in self._spans.items()}

    @property
    def total(self) -> int:
        """Offsets in the window, over every partition (the progress bar's 100%)."""
        return sum(span.size for span in self._spans.values())

    @property
    def covered(self) -> int:
        """Offsets read so far, gaps included (the progress bar's position)."""
        return sum(self._next[tp] - span.start for tp, span in self._spans.items())

    async def batches(self) -> AsyncIterator[list[ConsumerRecord]]:
        """Batches of records in offset order per partition, all inside the window."""
        active = {tp: span.end for tp, span in self._spans.items() if span.size > 0}
        if not active:
            return
        consumer = self._consumer
        consumer.assign(list(active))
        for tp in active:
            consumer.seek(tp, self._spans[tp].start)
        while active:
            fetched = await consumer.getmany(*active, timeout_ms=500, max_records=self._batch)
            for tp, records in fetched.items():
                end = active.get(tp)
                if end is None or not records:
                    continue
                if records[-1].offset >= end:
                    records = [record for record in records if record.offset < end]
                if records:
                    self._next[tp] = records[-1].offset + 1
                    yield records
            for tp, end in list(active.items()):
                # The position passes offsets without records (transaction markers,
                # compacted gaps) too, so it, not the last record, says a partition is done.
                if await consumer.position(tp) >= end:
                    consumer.pause(tp)
                    self._next[tp] = end
                    del active[tp]
