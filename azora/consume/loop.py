"""The consume loop: batches from Kafka applied exactly once in one Postgres transaction.

The loop only wires the rooms together and runs two tasks:

- fetching (`fetching.Fetcher`, `decoding.Decoder`): the next batch, a slice at a time;
- applying (`applying.BatchApplier`): one transaction per batch, retried until it sticks,
  records that keep failing dead-lettered (`dead_letters`);

then Kafka's copy of the offsets is committed in the background, and on assignment the
consumer seeks to the offsets stored in Postgres (`offsets`), so a crash anywhere loses
nothing and repeats nothing. Metrics, tracing and benchmarks watch through one hook
interface (`observation.Observer`).
"""

from __future__ import annotations

import asyncio
import functools

from azora import logs
from azora.consume.batch import Batch
from azora.consume.fetching import Fetcher
from azora.consume.offsets import SeekToStoredOffsets
from azora.consume.pipeline import applying_in_order
from azora.consume.records import RecordsApplier


class ConsumeLoop(RecordsApplier):
    """Runs one service's consumer group until `stop` is set, fetching its own batches."""

    # From the consumer's start until the loop ends: what readiness asks of the loop.
    running = False

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set; the batch in hand is finished and committed first."""
        # Every line this loop's tasks log (fetching, seeking, applying) names its group.
        logs.bind(group=self.group)
        fetcher = Fetcher(
            self.consumer,
            self.decoder,
            self.service,
            max_batch=self.settings.max_batch,
            fetch_wait_ms=self.settings.fetch_wait_ms,
            idle_fetch_wait_ms=self.settings.idle_fetch_wait_ms,
            observer=self.observer,
        )
        self.consumer.subscribe(self.service.physical_topics(self.names), listener=self._seeker())
        await self.consumer.start()
        self.running = True
        try:
            async with applying_in_order(functools.partial(self._apply, fetcher, stop)) as batches:
                while not stop.is_set() and batches.running:
                    batch = await fetcher.next_batch()
                    if batch.size:
                        await batches.hand(batch)
                    del batch  # a spent batch is freed by the fetcher, not in the applier's way
                # The batches handed over are applied; what broke the applier is raised.
                await batches.finish()
        finally:
            self.running = False
            # Kafka's copy of the offsets goes out before the consumer stops, never after.
            await self.aclose()
            await self.consumer.stop()

    def _seeker(self) -> SeekToStoredOffsets:
        return SeekToStoredOffsets(
            self.consumer,
            self.pool,
            self.group,
            self.commits,
            wait_idle=self.applier.wait_idle,
            revoke_wait_s=self.settings.revoke_wait_s,
            backoff_initial_s=self.settings.backoff_initial_s,
            backoff_max_s=self.settings.backoff_max_s,
            observer=self.observer,
        )

    async def _apply(self, fetcher: Fetcher, stop: asyncio.Event, batch: Batch) -> bool:
        applied = await self.apply_batch(batch, stop)
        fetcher.spent.add(batch)
        return applied
