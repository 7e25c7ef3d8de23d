"""One service's records applied exactly once, and Kafka's copy of the offsets kept level.

The public seam for whoever drives a consumer: the consume loop (`loop.ConsumeLoop`)
fetches its own batches, while a projection rebuild chooses which records to fetch (up to
the live group's offsets, never past them), decodes them with `RecordsApplier.decoder`
and hands them to `RecordsApplier.apply_batch`. Either way they are applied alike:
claimed, handled and stored in one transaction per batch, retried until it sticks, with
metrics and tracing, and Kafka's copy of the offsets committed in the background.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import asyncpg
from aiokafka import AIOKafkaConsumer

from azora.consume import store
from azora.consume.applying import BatchApplier, standard_observer
from azora.consume.batch import Batch
from azora.consume.decoding import Decoder
from azora.consume.observation import Observer
from azora.consume.offsets import KafkaCommits
from azora.consume.service import Service
from azora.consume.settings import LoopSettings
from azora.topics import TopicNames


class RecordsApplier:
    """Applies fetched records of one service's topics, as consumer group `group`.

    Close it (`aclose`, or `async with contextlib.aclosing(...)`) before stopping the
    consumer: the pending Kafka commits go out then, and none for it (or for its
    topics, which may be deleted next) afterwards.
    """

    def __init__(
        self,
        service: Service,
        consumer: AIOKafkaConsumer,
        pool: asyncpg.Pool,
        names: TopicNames,
        settings: LoopSettings,
        *,
        group: str | None = None,
        observers: Sequence[Observer] = (),
        bookkeeping: store.Bookkeeping = store,
    ) -> None:
        self.service = service
        self.consumer = consumer
        self.pool = pool
        self.names = names
        self.settings = settings
        self.group = group or service.name
        self.observer = standard_observer(self.group, observers)
        self.decoder = Decoder.for_service(service, names, settings.max_record_bytes)
        self.applier = BatchApplier(
            service,
            pool,
            names,
            settings,
            group=self.group,
            observer=self.observer,
            bookkeeping=bookkeeping,
        )
        self.commits = KafkaCommits(
            consumer, self.group, settings.kafka_commit_interval_s, self.observer
        )

    async def apply_batch(self, batch: Batch, stop: asyncio.Event) -> bool:
        """Apply a decoded batch exactly once; False if `stop` came first (nothing committed)."""
        if not await self.applier.apply(batch, stop):
            return False
        self.commits.schedule(batch.next_offsets)
        return True

    async def aclose(self) -> None:
        """Send the pending Kafka commits and wait for them; none go out afterwards."""
        await self.commits.aclose()
