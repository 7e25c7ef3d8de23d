"""Fetching a batch a slice at a time, and freeing applied batches in the same slices."""

from __future__ import annotations

import asyncio
import time

from aiokafka import AIOKafkaConsumer

from azora.consume.batch import Batch
from azora.consume.decoding import Decoder
from azora.consume.observation import Observer
from azora.consume.polling import AdaptivePolling
from azora.consume.service import Service

# Records fetched and decoded between two yields to the event loop (see `next_batch`).
SLICE = 25


class Fetcher:
    """Fetches and decodes one service's batches; frees the ones handed back as spent."""

    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        decoder: Decoder,
        service: Service,
        *,
        max_batch: int,
        fetch_wait_ms: int,
        idle_fetch_wait_ms: int,
        observer: Observer,
    ) -> None:
        self._consumer = consumer
        self._decoder = decoder
        self._service = service
        self._max_batch = max_batch
        self.polling = AdaptivePolling(
            consumer, busy_poll_ms=fetch_wait_ms, idle_wait_ms=idle_fetch_wait_ms
        )
        self._observer = observer
        self.spent = SpentBatches()

    async def next_batch(self) -> Batch:
        """Up to `max_batch` records, fetched and decoded a slice at a time.

        Fetching and decoding a whole batch at once would hold the event loop for
        milliseconds, and each round trip of the batch being applied (BEGIN, the handlers'
        statements, offsets, COMMIT) would wait for it while Postgres idled. In slices,
        Postgres's answers are taken up within a slice's time and both processes stay busy.
        The previous batches' objects are freed in the same slices.
        """
        batch = Batch()
        wait_ms = self.polling.poll_timeout_ms
        first_slice_at: float | None = None
        decoding = 0.0
        while (room := self._max_batch - batch.size) > 0:
            fetched = await self._consumer.getmany(timeout_ms=wait_ms, max_records=min(room, SLICE))
            self.spent.free(SLICE)
            if not fetched:
                break
            # Before the next await, so the fetcher's next request already batches.
            self.polling.busy()
            started = time.perf_counter()
            first_slice_at = first_slice_at or started
            batch.extend(self._decoder.decode(fetched))
            decoding += time.perf_counter() - started
            wait_ms = 0  # a batch takes what is buffered; it does not wait to fill up
            await asyncio.sleep(0)
        batch.unique(self._service)  # here, not on the applier's time
        self._observer.polled()
        if batch.size:
            self._observer.decoded(batch, first_slice_at or time.perf_counter(), decoding)
        elif first_slice_at is None:
            self.polling.idle()  # a whole poll found nothing
        return batch


class SpentBatches:
    """Applied batches, freed a slice at a time by the task that fetches the next ones.

    Freeing a batch's tens of thousands of objects takes milliseconds (some 16 ms for a
    rebuild's 5,000 events). Freed by the applier, right after its COMMIT, they would hold
    the next BEGIN back while Postgres idles; a slice at a time beside the fetching, they
    are freed while Postgres works on the next batch.
    """

    def __init__(self) -> None:
        self._batches: list[Batch] = []

    def add(self, batch: Batch) -> None:
        """Take an applied batch to free later."""
        batch.release_derived()
        self._batches.append(batch)

    def free(self, count: int) -> None:
        """Drop `count` events of an applied batch, from the end: O(1) each."""
        if not self._batches:
            return
        spent = self._batches[-1]
        del spent.events[-count:]
        if not spent.events:
            self._batches.pop()

    def __len__(self) -> int:
        return len(self._batches)
