"""The outbox relay: publishes what transactions queued, in order, then forgets it.

One relay leads at a time (a Postgres advisory lock); others wait to take over. It
waits for the broker's ack (acks=all) before deleting rows, so a crash repeats a
send rather than losing one, and every consumer's inbox drops the repeat.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import asyncpg
from aiokafka import AIOKafkaProducer

from azora import channels, databases, db, metrics
from azora.aio import sleep_or_stop, wait_any
from azora.consume.errors import is_transient
from azora.health.heartbeat import Heartbeat
from azora.outbox_parking import park
from azora.outbox_sending import Sent, send_rows
from azora.producer_errors import needs_new_producer

log = logging.getLogger(__name__)

# An arbitrary constant naming the relay's leadership lock in pg_advisory_lock's key space.
RELAY_LOCK_KEY = 0x0A20_4A00

FETCH = """
SELECT id, topic, key, value, headers, created_at FROM azora.outbox ORDER BY id LIMIT $1
"""
DELETE = "DELETE FROM azora.outbox WHERE id = ANY($1::bigint[])"
# In bounded chunks, so pruning never holds long locks or bloats one transaction.
PRUNE_INBOX = """
DELETE FROM azora.inbox WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM azora.inbox WHERE received_at < now() - make_interval(secs => $1)
    LIMIT $2
))
"""
PRUNE_CHUNK = 10_000
# Often, so each round deletes a minute's worth of ids, not ten minutes' in one go.
PRUNE_EVERY_S = 60.0
DEPTH = "SELECT count(*) FROM azora.outbox"


class OutboxRelay:
    """Moves outbox rows to Kafka while it holds the relay lock."""

    def __init__(
        self,
        dsn: str,
        pool: asyncpg.Pool,
        producer: AIOKafkaProducer,
        *,
        batch: int = 1000,
        idle_wait_s: float = 1.0,
        backoff_max_s: float = 30.0,
        inbox_retention_s: float = 7 * 24 * 3600,
        prune_every_s: float = PRUNE_EVERY_S,
        renew_producer: Callable[[AIOKafkaProducer], Awaitable[AIOKafkaProducer]] | None = None,
        heartbeat: Heartbeat | None = None,
    ) -> None:
        self.dsn = dsn
        self.database = databases.where(dsn)
        # Every database's series exists from the start, at zero until its first send.
        metrics.OUTBOX_SENT.labels(self.database)
        metrics.OUTBOX_DEPTH.labels(self.database)
        metrics.OUTBOX_PARKED.labels(self.database)
        # Beaten on every pass, every wait for the lock and every retry: /healthz.
        self.heartbeat = heartbeat or Heartbeat("relay", float("inf"))
        self.pool = pool
        self.producer = producer
        self.batch = batch
        # A safety net only: NOTIFY wakes the relay; this bounds the wait if one is missed.
        self.idle_wait_s = idle_wait_s
        self.backoff_max_s = backoff_max_s
        self.inbox_retention_s = inbox_retention_s
        self.prune_every_s = prune_every_s
        # Replaces a producer whose sequence state the broker lost (see azora.producer_errors).
        self.renew_producer = renew_producer

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set, surviving Postgres and Kafka outages."""
        delay = 0.2
        stale_producer = False
        while not stop.is_set():
            self.heartbeat.beat()
            try:
                if stale_producer and self.renew_producer is not None:
                    self.producer = await self.renew_producer(self.producer)
                    stale_producer = False
                await self._lead(stop)
                delay = 0.2
            except Exception as exc:
                if needs_new_producer(exc):
                    log.warning("relay: %r; replacing the producer", exc)
                    stale_producer = True
                elif not is_transient(exc):
                    log.exception("relay: unexpected error; retrying in %.1fs", delay)
                else:
                    log.warning("relay: %r; retrying in %.1fs", exc, delay)
                await sleep_or_stop(delay, stop)
                delay = min(delay * 2, self.backoff_max_s)

    async def _lead(self, stop: asyncio.Event) -> None:
        conn = await db.connect(self.dsn)
        try:
            while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK_KEY):
                self.heartbeat.beat()  # a standby waiting to take over is alive too
                if stop.is_set():
                    return
                await sleep_or_stop(1.0, stop)
            log.info("relay: leading")
            wake = asyncio.Event()
            await conn.add_listener(channels.OUTBOX, lambda *_: wake.set())
            # The leader keeps the inbox bounded (one process, not every consumer), beside
            # publishing and never in its way: under load a round deletes hundreds of
            # thousands of ids, and a slow or blocked DELETE must not hold the outbox.
            pruning = asyncio.create_task(self._prune_while_leading(stop))
            try:
                while not stop.is_set():
                    self.heartbeat.beat()
                    wake.clear()
                    sent = await self.publish_once()
                    if sent < self.batch:
                        await wait_any(wake, stop, self.idle_wait_s)
            finally:
                pruning.cancel()
                # asyncio.wait: this task's own cancellation still propagates.
                await asyncio.wait([pruning])
        finally:
            await conn.close()

    async def _prune_while_leading(self, stop: asyncio.Event) -> None:
        """Prune now and every `prune_every_s` until cancelled (leadership ends) or stopped."""
        while not stop.is_set():
            try:
                pruned = await self.prune_inbox()
            except Exception as exc:
                # Publishing goes on; the next round deletes what this one did not.
                log.warning(
                    "relay: pruning the inbox failed (%r); next round in %.0fs",
                    exc,
                    self.prune_every_s,
                )
            else:
                if pruned:
                    log.info(
                        "relay: pruned %d inbox ids older than %.0fs",
                        pruned,
                        self.inbox_retention_s,
                    )
            await sleep_or_stop(self.prune_every_s, stop)

    async def prune_inbox(self) -> int:
        """Forget inbox ids older than the retention; return how many."""
        total = 0
        while True:
            status = await self.pool.execute(PRUNE_INBOX, self.inbox_retention_s, PRUNE_CHUNK)
            deleted = int(status.split()[-1])
            total += deleted
            if deleted < PRUNE_CHUNK:
                return total

    async def publish_once(self) -> int:
        """Publish one batch of the oldest rows; return how many left the outbox (sent, or
        parked as never sendable)."""
        rows = await self.pool.fetch(FETCH, self.batch)
        depth = metrics.OUTBOX_DEPTH.labels(self.database)
        if not rows:
            depth.set(0)
            return 0
        sent = await send_rows(self.producer, rows)
        await self._forget(sent)
        if sent.failure is not None:
            # The rows not acked stay and go again (the inbox drops what was sent twice).
            raise sent.failure
        now = datetime.now(UTC)
        for row in sent.acked:
            metrics.OUTBOX_DELAY.observe((now - row["created_at"]).total_seconds())
        metrics.OUTBOX_SENT.labels(self.database).inc(len(sent.acked))
        depth.set(await self.pool.fetchval(DEPTH) if len(rows) == self.batch else 0)
        return len(sent.acked) + len(sent.refused)

    async def _forget(self, sent: Sent) -> None:
        """Delete the rows that were sent, and park those that never will be."""
        ids = [row["id"] for row in sent.acked]
        if not sent.refused:
            if ids:
                await self.pool.execute(DELETE, ids)
            return
        async with self.pool.acquire() as conn, conn.transaction():
            await park(conn, sent.refused)
            await conn.execute(DELETE, [*ids, *sent.refused])
        metrics.OUTBOX_PARKED.labels(self.database).inc(len(sent.refused))
        for row_id, why in sent.refused.items():
            log.error("relay: outbox row %d can never be sent (%s); parked", row_id, why)
