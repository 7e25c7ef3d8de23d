"""The ingress's Kafka side: an aiokafka producer to publish (the topics' document: `asyncapi`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError

from azora import kafka
from azora.messages import OutgoingMessage
from azora.producer_errors import needs_new_producer
from azora.settings import Settings

log = logging.getLogger(__name__)


CLIENT_ID = "azora-ingress"
# A request waits for its command's ack: a short linger, and a shorter timeout than the
# consumers' (the client retries a 503 itself).
LINGER_MS = 2
REQUEST_TIMEOUT_MS = 10_000
# aiokafka's default: the ingress publishes commands and re-drives records of at most this.
MAX_REQUEST_BYTES = 1024 * 1024


def ingress_producer(settings: Settings) -> AIOKafkaProducer:
    """The ingress's producer: the runtime's (idempotent, acks=all), with a short linger."""
    return kafka.make_producer(
        settings,
        CLIENT_ID,
        linger_ms=LINGER_MS,
        request_timeout_ms=REQUEST_TIMEOUT_MS,
        max_request_size=MAX_REQUEST_BYTES,
    )


class KafkaTransport:
    """Publishes through an idempotent aiokafka producer (acks=all) and waits for the ack.

    The ingress publishes straight through aiokafka: FastStream's publish wrapper cost a
    third as much again as the producer itself per command, for nothing used here.
    FastStream's broker still describes every topic (`producers/ingress/asyncapi.py`).
    """

    def __init__(self, new_producer: Callable[[], AIOKafkaProducer]) -> None:
        self._new_producer = new_producer
        self._producer: AIOKafkaProducer | None = None
        self._reconnecting = asyncio.Lock()

    async def start(self) -> None:
        """Connect; after a failure the next call starts over with a new producer."""
        if self._producer is None:
            self._producer = self._new_producer()  # needs the running loop: made here
        try:
            await self._producer.start()
        except Exception:
            await self.stop()  # a producer whose start failed cannot be started again
            raise

    async def stop(self) -> None:
        """Flush and disconnect (nothing to do if never connected)."""
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()

    async def send(self, message: OutgoingMessage) -> None:
        """Publish and wait for acks=all."""
        producer = self._producer
        if producer is None:
            raise KafkaConnectionError("the ingress is not connected to Kafka yet")
        try:
            delivery = await producer.send(
                message.topic, message.value, key=message.key, headers=list(message.headers)
            )
            await delivery
        except Exception as exc:
            if needs_new_producer(exc):
                # This request still fails (503, the client retries); the next ones go
                # through a new producer instead of failing for ever.
                await self._reconnect()
            raise

    async def _reconnect(self) -> None:
        if self._reconnecting.locked():
            return  # another request is already at it
        async with self._reconnecting:
            log.warning("Kafka producer lost its sequence state; starting a new one")
            await self.stop()
            await self.start()

    async def ping(self) -> bool:
        """Whether the broker answers a metadata request within a few seconds."""
        producer = self._producer
        if producer is None:
            return False
        try:
            await asyncio.wait_for(producer.client.fetch_all_metadata(), timeout=3.0)
        except Exception:
            return False
        return True
