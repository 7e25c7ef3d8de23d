"""Applying records a caller fetched itself: the public seam for tools that drive a consumer.

A projection rebuild chooses which records to fetch (up to the live group's offsets,
never past them) but applies them exactly as the consume loop would: decoded, claimed,
handled and stored in one transaction per batch, retried until it sticks, with metrics
and tracing, and Kafka's copy of the offsets committed in the background.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from types import TracebackType

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

from azora.consume.applying import BatchApplier, standard_observer
from azora.consume.decoding import Decoder
from azora.consume.observation import Observer
from azora.consume.offsets import KafkaCommits, Offsets
from azora.consume.service import Service
from azora.consume.settings import LoopSettings
from azora.topics import TopicNames


class RecordsApplier:
    """Applies fetched records of one service's topics; an async context manager.

    Leaving the block sends the pending Kafka commits and waits for them: stop the
    consumer only afterwards, and nothing commits for it (or for its topics) later.
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
    ) -> None:
        self.consumer = consumer
        group = group or service.name
        observer = standard_observer(group, observers)
        self._decoder = Decoder.for_service(service, names, settings.max_record_bytes)
        self._applier = BatchApplier(service, pool, names, settings, group=group, observer=observer)
        self._commits = KafkaCommits(consumer, group, settings.kafka_commit_interval_s, observer)

    async def apply(
        self, fetched: dict[TopicPartition, list[ConsumerRecord]], stop: asyncio.Event
    ) -> Offsets | None:
        """Apply `fetched` exactly once: the next offsets stored, or None if `stop` came first."""
        batch = self._decoder.decode(fetched)
        if not await self._applier.apply(batch, stop):
            return None
        self._commits.schedule(batch.next_offsets)
        return batch.next_offsets

    async def __aenter__(self) -> RecordsApplier:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._commits.close()
