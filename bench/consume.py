"""Running the real consume loop over the produced events and timing it until all are applied.

"Applied" is what Postgres says: the group's stored next offsets add up to the number of
events (the run's topic is new, so its offsets start at 0). The clock starts when the group
is assigned its partitions or its first batch arrives, whichever is first (a group join is
not throughput), and stops at the commit of the batch that completed the work; the
database poll only confirms it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from dataclasses import dataclass

import asyncpg

from azora import db, runtime
from azora.consume.loop import ConsumeLoop
from azora.kafka import make_consumer
from azora.settings import Settings
from azora.topics import TopicNames
from bench.phases import Phases, StepTimer, TimedStore, timed_gc
from consumers.projections.users import make_users
from stack import composition

log = logging.getLogger(__name__)

POLL_S = 0.025
# Give up when the stored offsets have not moved for this long (a stuck loop, not a slow one).
STALL_S = 120.0

APPLIED = "SELECT coalesce(sum(next_offset), 0) FROM azora.consumer_offsets WHERE group_id = $1"


@dataclass(frozen=True)
class Consumed:
    """How long the loop took, from assignment and from start, and where the time went."""

    events: int
    seconds: float
    seconds_with_startup: float
    phases: Phases

    @property
    def rate(self) -> float:
        """Events per second once the group was assigned."""
        return self.events / self.seconds


async def _wait_applied(
    conn: asyncpg.Connection, group: str, events: int, task: asyncio.Task[None]
) -> float:
    """Poll the stored offsets until they cover `events`; return when that was seen."""
    last, moved_at = -1, time.monotonic()
    while True:
        if task.done():
            task.result()  # re-raise what killed the loop
            raise RuntimeError("the consume loop stopped before applying every event")
        applied = int(await conn.fetchval(APPLIED, group))
        if applied >= events:
            return time.perf_counter()
        if applied != last:
            last, moved_at = applied, time.monotonic()
        elif time.monotonic() - moved_at > STALL_S:
            raise RuntimeError(f"stalled at {applied}/{events} applied events")
        await asyncio.sleep(POLL_S)


async def consume(
    settings: Settings, names: TopicNames, group: str, events: int, batch: int
) -> Consumed:
    """Run the users projection's handlers as group `group` until `events` are applied."""
    # What `workers.run_services` does to a consumer process before its loops start.
    runtime.tune_gc_for_batches(batch)
    # The projection itself under a private group name (any future Service knob included).
    service = dataclasses.replace(make_users(composition.personal_vault(settings)), name=group)
    loop_settings = dataclasses.replace(composition.loop_settings(settings), max_batch=batch)
    pool = await db.create_pool(settings.database_url, min_size=1, max_size=2)
    watcher = await db.connect(settings.database_url)
    stop = asyncio.Event()
    try:
        timer = StepTimer()
        loop = ConsumeLoop(
            service,
            make_consumer(settings, group, f"azora-bench-{group}"),
            pool,
            names,
            loop_settings,
            observers=[timer],
            bookkeeping=TimedStore(timer.phases),
        )
        with timed_gc(timer.phases):
            started = time.perf_counter()
            task = asyncio.create_task(loop.run(stop))
            try:
                observed_at = await _wait_applied(watcher, group, events, task)
            finally:
                stop.set()
                await task
    finally:
        await watcher.close()
        await pool.close()
    phases = timer.phases
    if phases.last_commit_at is None or phases.records == 0:
        log.warning("the loop's observer hooks did not fire: no batch was applied?")
    marks = [t for t in (phases.assigned_at, phases.first_batch_at) if t is not None]
    ready = min(marks, default=started)
    end = phases.last_commit_at or observed_at
    return Consumed(
        events=events,
        seconds=end - ready,
        seconds_with_startup=end - started,
        phases=phases,
    )
