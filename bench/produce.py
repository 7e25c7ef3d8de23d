"""Putting the run's `user.registered.v2` events on Kafka, fast, before anything is timed.

The producer keeps the durability of `azora.kafka.make_producer` (acks=all, idempotent)
but uses large batches and a longer linger, and keeps one chunk of sends in flight while
the next chunk is encoded, so producing does not dominate the benchmark's wall time.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer

from azora.messages import OutgoingMessage, build_envelope, encode, message_key
from azora.settings import Settings
from azora.topics import TopicNames
from bench.data import Users, make_users
from schemas.catalogue import USER_REGISTERED_V2

CHUNK = 10_000
# Users made and sent at a time by `produce_in_slices`: millions never sit in memory at once.
SLICE = 500_000
ACTOR = "bench"


@dataclass(frozen=True)
class Produced:
    """What was sent and how long it took."""

    events: int
    seconds: float
    encode_seconds: float
    bytes: int

    @property
    def rate(self) -> float:
        """Events per second, encoding included."""
        return self.events / self.seconds


def encoded(users: Users, names: TopicNames, first: int, last: int) -> list[OutgoingMessage]:
    """Users `first` to `last` (exclusive) as `user.registered.v2` records, keyed as the
    real producer keys them."""
    messages = []
    for i in range(first, last):
        payload = users.payload(i)
        envelope = build_envelope(USER_REGISTERED_V2, payload, actor=ACTOR)
        key = message_key(USER_REGISTERED_V2, payload)
        messages.append(encode(USER_REGISTERED_V2, envelope, key, names))
    return messages


def bench_producer(settings: Settings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id="azora-bench-producer",
        acks="all",
        enable_idempotence=True,
        linger_ms=20,
        max_batch_size=512 * 1024,
        max_request_size=4 * 1024 * 1024,
        request_timeout_ms=30_000,
    )


async def produce(settings: Settings, names: TopicNames, users: Users) -> Produced:
    """Send one `user.registered.v2` per user, keyed like the real producer, and wait for acks."""
    producer = bench_producer(settings)
    await producer.start()
    encode_seconds = 0.0
    sent_bytes = 0
    started = time.perf_counter()
    try:
        in_flight: list[asyncio.Future[object]] = []
        for first in range(0, len(users), CHUNK):
            began = time.perf_counter()
            messages = encoded(users, names, first, min(first + CHUNK, len(users)))
            encode_seconds += time.perf_counter() - began
            sending = []
            for message in messages:
                sent_bytes += len(message.value)
                sending.append(
                    await producer.send(
                        message.topic,
                        message.value,
                        key=message.key,
                        headers=list(message.headers),
                    )
                )
            # The previous chunk had all this time to be acknowledged.
            await asyncio.gather(*in_flight)
            in_flight = sending
        await asyncio.gather(*in_flight)
    finally:
        await producer.stop()
    return Produced(len(users), time.perf_counter() - started, encode_seconds, sent_bytes)


async def produce_in_slices(
    settings: Settings, names: TopicNames, run_id: str, events: int
) -> float:
    """Send `events` users, `SLICE` at a time; their emails carry `run_id` and the slice's
    first index. The seconds it took."""
    started_at, started = datetime.now(UTC), time.perf_counter()
    for first in range(0, events, SLICE):
        users = make_users(f"{run_id}-{first}", min(SLICE, events - first), started_at)
        await produce(settings, names, users)
    return time.perf_counter() - started
