"""`azora projections rebuild`: replay a projection's topics into fresh tables, then swap.

1. Catch up: read the projection's topics from the earliest offsets under a group of its
   own, applying its handlers to shadow tables (outbox writes off), in passes that chase
   the live `projections` group's stored offsets but never pass them.
2. Swap, once a pass leaves only a small gap: in one transaction, lock the live tables
   against writers (readers go on) and the live group's offsets of these topics, apply
   the last few events up to exactly those offsets, optionally compare checksums, and
   move the shadow tables into `read`. The live group then continues on the new tables
   from where the rebuild stopped, so every event is applied to them exactly once.

The reading is `reading.ShadowReader`'s, the swap `swapping.swap`'s; this module runs them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from aiokafka import TopicPartition

from azora import databases, db
from azora.consume import store
from azora.consume.records import RecordsApplier
from azora.consume.service import Service
from azora.consume.settings import LoopSettings
from azora.db import Connection
from azora.settings import Settings
from azora.topics import TopicNames
from stack.rebuild import versions
from stack.rebuild.progress import Outcome, Progress
from stack.rebuild.reading import ShadowReader, rebuild_consumer
from stack.rebuild.swapping import Interrupted, swap
from stack.rebuild.versions import Shadow

log = logging.getLogger(__name__)


class ProjectionRebuild:
    """Rebuilds one projection (a Service that declares its `tables`)."""

    def __init__(
        self,
        settings: Settings,
        projection: Service,
        names: TopicNames,
        *,
        final_gap: int = 2_000,
        max_batch: int = 5_000,
        verify: bool = False,
        restart: bool = False,
        allow_truncated: bool = False,
        swap: bool = True,
        on_progress: Callable[[Progress], None] = lambda _: None,
    ) -> None:
        if not projection.tables:
            raise ValueError(f"{projection.name} declares no read-model tables to rebuild")
        self.settings = settings
        self.projection = projection
        self.names = names
        self.final_gap = final_gap
        self.max_batch = max_batch
        self.verify = verify
        self.restart = restart
        self.allow_truncated = allow_truncated
        # False: build the shadow tables up to the live offsets and leave them beside the
        # live ones, to be inspected (what would a rebuild write?) and dropped.
        self.swap = swap
        self.on_progress = on_progress
        self.topics = projection.physical_topics(names)
        self.live_group = names.group("projections")
        self.progress = Progress()

    async def run(self, stop: asyncio.Event) -> Outcome | None:
        """Rebuild and swap (or only build, when told not to swap); None when `stop` came
        first (running again resumes it)."""
        started = time.monotonic()
        live_pool = await db.create_pool(
            databases.url_for(self.settings, "projections"), min_size=1, max_size=2
        )
        try:
            async with live_pool.acquire() as conn:
                shadow, resumed = await versions.begin(
                    conn,
                    self.projection.name,
                    self.projection.tables,
                    self.names,
                    restart=self.restart,
                )
            log.info(
                "%s: %s version %d in %s as group %s",
                self.projection.name,
                "resuming" if resumed else "building",
                shadow.version,
                shadow.schema,
                shadow.group,
            )
            shadow_pool = await db.create_pool(
                databases.url_for(self.settings, "projections"),
                min_size=1,
                max_size=2,
                read_models=shadow.schema,
            )
            consumer = rebuild_consumer(self.settings, shadow.group, self.projection.name)
            await consumer.start()
            try:
                # Its Kafka commits end with this block, before the consumer stops: a
                # rebuild that returned commits nothing more (its topics may go next).
                applying = RecordsApplier(
                    self.projection,
                    consumer,
                    shadow_pool,
                    self.names,
                    LoopSettings(max_batch=self.max_batch, emit_enabled=False),
                    group=shadow.group,
                )
                async with contextlib.aclosing(applying) as applier:
                    reader = ShadowReader(
                        applier,
                        max_batch=self.max_batch,
                        progress=self.progress,
                        on_progress=self.on_progress,
                    )
                    await reader.assign(
                        self.settings,
                        self.topics,
                        shadow_pool,
                        shadow.group,
                        allow_truncated=self.allow_truncated,
                    )
                    try:
                        checksums = await self._catch_up_and_swap(reader, live_pool, shadow, stop)
                    except Interrupted:
                        checksums = None
            finally:
                await consumer.stop()
                await shadow_pool.close()
        finally:
            await live_pool.close()
        if checksums is None:
            return None
        return Outcome(
            shadow,
            self.swap,
            resumed,
            self.progress.applied,
            time.monotonic() - started,
            checksums,
        )

    async def _catch_up_and_swap(
        self, reader: ShadowReader, live_pool: db.Pool, shadow: Shadow, stop: asyncio.Event
    ) -> dict[str, tuple[str, str]] | None:
        while not stop.is_set():
            targets = await self._live_offsets(live_pool, reader)
            self.progress.remaining = reader.gap(targets)
            self.on_progress(self.progress)
            if not self.swap and self.progress.remaining == 0:
                return {}
            if self.swap and self.progress.remaining <= self.final_gap:
                swapped = await swap(
                    reader,
                    live_pool,
                    shadow,
                    projection=self.projection.name,
                    tables=self.projection.tables,
                    live_group=self.live_group,
                    topics=self.topics,
                    verify=self.verify,
                    stop=stop,
                )
                if swapped is not None:
                    return swapped
                continue  # could not lock in time: catch up some more, then try again
            self.progress.passes += 1
            if not await reader.consume_until(targets, stop):
                return None
        return None

    async def _live_offsets(
        self, conn: Connection | db.Pool, reader: ShadowReader
    ) -> dict[TopicPartition, int]:
        stored = await store.load_offsets(conn, self.live_group, self.topics)
        return {tp: stored.get((tp.topic, tp.partition), 0) for tp in reader.positions}
