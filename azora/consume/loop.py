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
from collections.abc import Coroutine
from typing import Any

from azora import logs
from azora.consume.batch import Batch
from azora.consume.fetching import Fetcher
from azora.consume.offsets import SeekToStoredOffsets
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
        # Decoded batches wait here for the applier task, so fetching and decoding the next
        # batch overlap with Postgres applying this one (two processes on two cores), the
        # applier goes from one transaction straight to the next, and batches are still
        # applied strictly in order.
        ready: asyncio.Queue[Batch | None] = asyncio.Queue()
        applier = asyncio.create_task(self._apply_in_order(ready, fetcher, stop))
        handed: Batch | None = None
        try:
            while not stop.is_set() and not applier.done():
                batch = await fetcher.next_batch()
                if not batch.size:
                    continue
                if handed is not None:
                    # One batch waits at most, and this task fetches on only once the
                    # applier has begun that one: BEGIN's answer is then taken up at once,
                    # and the fetching runs while Postgres works on the batch's statements.
                    await _unless_ended(handed.begun.wait(), applier)
                ready.put_nowait(batch)
                handed = batch
                del batch  # a spent batch is freed by the fetcher, not in the applier's way
            ready.put_nowait(None)
            await applier  # the batches handed over are applied; what broke it is raised
        finally:
            self.running = False
            if not applier.done():
                applier.cancel()
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

    async def _apply_in_order(
        self, ready: asyncio.Queue[Batch | None], fetcher: Fetcher, stop: asyncio.Event
    ) -> None:
        """Apply batches as they are handed over, until the end marker (None)."""
        while (batch := await ready.get()) is not None:
            applied = await self.apply_batch(batch, stop)
            fetcher.spent(batch)
            del batch
            if not applied:
                # Stopped before that batch committed: a later one must not commit either,
                # or its offsets would skip the unfinished batch for good.
                return


async def _unless_ended(waiting: Coroutine[Any, Any, Any], applier: asyncio.Task[None]) -> None:
    """Wait for `waiting`, unless the applier ends first (stopped, or broken)."""
    waiter = asyncio.ensure_future(waiting)
    await asyncio.wait({waiter, applier}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
