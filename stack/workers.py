"""The long-running workers: consume loops and outbox relays, each on its own database.

Built from the composition root's parts. Every worker tells its probes how it is doing: a
heartbeat per loop (/healthz) and a check per dependency (/readyz): its database, Kafka,
and for a consume loop its partitions (`azora.health`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from functools import partial

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from azora import databases, db
from azora.aio import keep_trying
from azora.consume.loop import ConsumeLoop
from azora.consume.service import Service
from azora.health.heartbeat import Heartbeat, LoopHeartbeat
from azora.health.kafka_answers import KafkaAnswers
from azora.health.probes import Check, NotYet, Probes, database_check, kafka_check
from azora.kafka import client_kwargs, make_consumer
from azora.outbox import OutboxRelay
from azora.runtime import tune_gc_for_batches
from azora.settings import Settings
from stack.composition import loop_settings, names, started_producer


async def run_services(
    settings: Settings,
    selected: Sequence[Service],
    stop: asyncio.Event,
    *,
    probes: Probes | None = None,
) -> None:
    """Run a consume loop per service until `stop`; each finishes its batch first.

    Each service works in its own database (`azora.databases`). `probes` learns of every
    loop (its heartbeat) and of what each needs (its database, Kafka, its partitions).
    """
    tune_gc_for_batches(settings.consumer_max_batch)
    probes = probes or Probes(settings.health_deadline_s)
    topic_names = names(settings)
    url_of = {service.name: databases.url_for(settings, service.name) for service in selected}
    urls = list(dict.fromkeys(url_of.values()))
    pools: dict[str, db.Pool] = {}
    loops: dict[str, ConsumeLoop] = {}
    heartbeats = [probes.heartbeat(service.name) for service in selected]
    for url in urls:
        where = databases.where(url)
        probes.check(
            _named("postgres", where, len(urls) > 1), database_check(partial(pools.get, url))
        )
    # Asked on a connection of its own, never behind a consumer's long poll.
    answers = KafkaAnswers(lambda: AIOKafkaAdminClient(**client_kwargs(settings)))
    for service in selected:
        several = len(selected) > 1
        probes.check(
            _named("kafka", service.name, several), _kafka_of(loops, service.name, answers)
        )
        probes.check(
            _named("partitions", service.name, several), _partitions_of(loops, service.name)
        )
    try:
        for url in urls:
            pool = await _pool_when_ready(settings, url, stop, heartbeats)
            if pool is None:
                return
            pools[url] = pool
        for service, heartbeat in zip(selected, heartbeats, strict=True):
            group = topic_names.group(service.name)
            loops[service.name] = ConsumeLoop(
                service,
                make_consumer(settings, group, f"azora-{service.name}"),
                pools[url_of[service.name]],
                topic_names,
                loop_settings(settings),
                group=group,
                observers=[LoopHeartbeat(heartbeat)],
            )
        await asyncio.gather(*(loop.run(stop) for loop in loops.values()))
    finally:
        await answers.aclose()
        for pool in pools.values():
            await pool.close()


def _named(kind: str, which: str, several: bool) -> str:
    """A check's (or loop's) name: `postgres`, or `postgres <which>` when there are several."""
    return f"{kind} {which}" if several else kind


def _kafka_of(loops: dict[str, ConsumeLoop], name: str, answers: KafkaAnswers) -> Check:
    def metadata_request() -> Awaitable[object] | None:
        loop = loops.get(name)
        return answers.ask() if loop is not None and loop.running else None

    return kafka_check(metadata_request)


def _partitions_of(loops: dict[str, ConsumeLoop], name: str) -> Check:
    async def assigned() -> str:
        loop = loops.get(name)
        if loop is None or not loop.running:
            raise NotYet("the consumer has not started")
        count = len(loop.consumer.assignment())
        # No partitions is fine: more members than partitions, or a rebalance under way.
        return f"{count} assigned" if count else "waiting for assignment"

    return assigned


async def run_relay(
    settings: Settings,
    stop: asyncio.Event,
    *,
    probes: Probes | None = None,
    owners: Sequence[str] = databases.SERVICES,
) -> None:
    """Publish the outbox of every database `owners` use until `stop`: a relay for each."""
    probes = probes or Probes(settings.health_deadline_s)
    urls = list(databases.by_database(settings, owners))
    await asyncio.gather(*(_relay(settings, url, stop, probes, len(urls) > 1) for url in urls))


async def _relay(
    settings: Settings, url: str, stop: asyncio.Event, probes: Probes, several: bool
) -> None:
    """The relay of one database's outbox (one leader per database: its advisory lock)."""
    where = databases.where(url)
    heartbeat = probes.heartbeat(_named("relay", where, several))
    parts = _RelayParts()
    probes.check(_named("postgres", where, several), database_check(lambda: parts.pool))
    probes.check(_named("kafka", where, several), kafka_check(parts.metadata_request))
    pool = parts.pool = await _pool_when_ready(settings, url, stop, [heartbeat])
    if pool is None:
        return
    producer = await keep_trying(
        lambda: started_producer(settings, "azora-relay"),
        stop,
        "Kafka",
        on_failure=heartbeat.beat_async,
    )
    if producer is None:
        await pool.close()
        return

    async def renew(old: AIOKafkaProducer) -> AIOKafkaProducer:
        await old.stop()
        return await started_producer(settings, "azora-relay")

    relay = parts.relay = OutboxRelay(
        url,
        pool,
        producer,
        batch=settings.relay_batch,
        backoff_max_s=settings.retry_backoff_max_s,
        inbox_retention_s=settings.inbox_retention_s,
        prune_every_s=settings.inbox_prune_interval_s,
        renew_producer=renew,
        heartbeat=heartbeat,
    )
    try:
        await relay.run(stop)
    finally:
        await relay.producer.stop()
        await pool.close()


@dataclass
class _RelayParts:
    """A relay's pool and relay, once they exist (its readiness checks look at them)."""

    pool: db.Pool | None = None
    relay: OutboxRelay | None = None

    def metadata_request(self) -> Awaitable[object] | None:
        if self.relay is None:
            return None
        request: Awaitable[object] = self.relay.producer.client.fetch_all_metadata()
        return request


async def _pool_when_ready(
    settings: Settings, url: str, stop: asyncio.Event, heartbeats: Sequence[Heartbeat]
) -> db.Pool | None:
    async def still_trying() -> None:
        # Waiting for a dependency is not being wedged: /healthz stays 200, /readyz 503.
        for heartbeat in heartbeats:
            heartbeat.beat()

    return await keep_trying(
        lambda: db.create_pool(url, min_size=1, max_size=settings.db_pool_max),
        stop,
        f"Postgres at {databases.where(url)}",
        on_failure=still_trying,
    )
