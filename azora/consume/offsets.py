"""Where a consumer reads from: the offsets stored in Postgres, and Kafka's copy of them.

Postgres holds the truth (each batch stores its next offsets in its own transaction), so
on assignment a partition is positioned from there. Kafka's copy only keeps its lag tools
honest: it is committed in the background, at most once an interval, never backwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError
from aiokafka.structs import OffsetAndMetadata

from azora.consume import store
from azora.consume.errors import is_transient
from azora.consume.observation import Observer

log = logging.getLogger(__name__)

Offsets = dict[tuple[str, int], int]
# How soon a commit Kafka refused is sent again, at the soonest.
RETRY_S = 0.5
# How long closing waits for the last commit. It is best effort (Postgres holds the
# offsets), and aiokafka retries a commit for as long as no coordinator answers: with the
# brokers gone, a stop would otherwise wait for them for ever, past any grace period.
CLOSE_WAIT_S = 5.0


class KafkaCommits:
    """Commits a consumer's offsets to Kafka in the background; `aclose` before stopping it.

    Off the critical path: the next batch need not wait for Kafka's answer. Offsets
    accumulate while a commit is in flight and go out together in the next one. A commit
    refused because this member is stale (evicted, or its generation over: aiokafka's
    `CommitFailedError`) is not sent again: aiokafka has already asked to rejoin, and the
    rejoin's assignment schedules each partition's stored offset anew. Any other refusal is
    sent again after the interval. A partition this member no longer owns is forgotten until
    it is assigned again, the same way: otherwise a partition with nothing new to read would
    show lag for ever. Closing sends what is pending once and waits for it, `CLOSE_WAIT_S` at
    most, so nothing commits for a consumer that has stopped, or for topics since deleted
    (aiokafka retries such a commit for ever).
    """

    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        group: str,
        interval_s: float,
        observer: Observer | None = None,
    ) -> None:
        self._consumer = consumer
        self._group = group
        self._interval_s = interval_s
        self._observer = observer or Observer()
        self._pending: Offsets = {}
        # The highest offset scheduled per partition (pending, in flight or committed), and
        # the highest Kafka confirmed.
        self._highest: Offsets = {}
        self._committed: Offsets = {}
        self._failing = False
        self._task: asyncio.Task[None] | None = None
        self._last = float("-inf")
        # Set at close: the pending offsets go out now, not at the next interval.
        self._now = asyncio.Event()
        self._closed = False

    def schedule(self, next_offsets: Offsets) -> None:
        """Commit these next offsets soon (those behind what was already sent are dropped)."""
        if self._closed:
            return
        # Never backwards: a batch decoded before a rebalance may be applied after it.
        for position, offset in next_offsets.items():
            if offset > self._highest.get(position, -1):
                self._highest[position] = self._pending[position] = offset
        if self._pending and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._commit_pending())

    async def aclose(self, wait_s: float = CLOSE_WAIT_S) -> None:
        """Send what is pending now and wait for it, `wait_s` at most (then it is given up);
        nothing is committed afterwards."""
        self._closed = True
        self._now.set()
        if self._task is None:
            return
        done, _ = await asyncio.wait({self._task}, timeout=wait_s)
        if not done:
            log.info("%s: Kafka commit unanswered after %gs; Postgres has it", self._group, wait_s)
            self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def _commit_pending(self) -> None:
        while self._pending:
            # After a refused commit, not sooner than RETRY_S: the group needs that to settle.
            wait = self._last + max(self._interval_s, RETRY_S if self._failing else 0.0)
            if (left := wait - time.monotonic()) > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._now.wait(), left)
            offsets, self._pending = self._pending, {}
            self._last = time.monotonic()
            started = time.perf_counter()
            await self._commit(offsets)
            self._observer.kafka_committed(time.perf_counter() - started)

    async def _commit(self, next_offsets: Offsets) -> None:
        # Best effort: Postgres holds the truth; this only keeps Kafka's lag tools honest.
        owned = self._consumer.assignment()
        sending = {
            position: offset
            for position, offset in next_offsets.items()
            if TopicPartition(*position) in owned
        }
        for position in next_offsets.keys() - sending.keys():
            self._forget(position)
        self._failing = False
        if not sending:
            return
        try:
            await self._consumer.commit(
                {TopicPartition(*p): OffsetAndMetadata(o, "") for p, o in sending.items()}
            )
        except CommitFailedError as exc:
            # Refused with UnknownMemberId, IllegalGeneration or RebalanceInProgress: aiokafka
            # has reset the member and asked to rejoin. Sending the same offsets again would
            # be refused for as long as the rejoin takes (for ever, were it held up), and an
            # answer to a stale commit arriving after the rejoin resets the new generation
            # too. The rejoin's assignment schedules the stored offsets instead (`_forget`).
            log.info("%s: Kafka offset commit refused, rejoining the group: %r", self._group, exc)
            for position in sending:
                self._forget(position)
            return
        except Exception as exc:
            if self._closed:
                log.info(
                    "%s: Kafka offset commit skipped (%r); Postgres has them", self._group, exc
                )
                return
            log.info("%s: Kafka offset commit failed (%r); sending it again", self._group, exc)
            self._failing = True
            # A newer offset scheduled meanwhile supersedes the one that failed.
            self._pending = sending | self._pending
            return
        for position, offset in sending.items():
            self._committed[position] = max(offset, self._committed.get(position, -1))

    def _forget(self, position: tuple[str, int]) -> None:
        """A partition not owned when its commit went out, or whose commit was refused to a
        stale member: unless a newer offset waits, let the next schedule (its next
        assignment's stored offset) send it again."""
        if position not in self._pending:
            self._highest[position] = self._committed.get(position, -1)


class SeekToStoredOffsets(ConsumerRebalanceListener):  # type: ignore[misc]
    """On assignment, positions each partition just past what Postgres says was applied.

    aiokafka runs these callbacks inside its rebalance: the member rejoins only once
    `on_partitions_revoked` returns, and the group evicts a member that has not rejoined
    within the rebalance timeout (the session timeout). So revoking waits for the batch in
    hand for `revoke_wait_s` at most, which must stay well inside that timeout.
    """

    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        pool: asyncpg.Pool,
        group: str,
        commits: KafkaCommits,
        *,
        wait_idle: Callable[[], Awaitable[None]],
        revoke_wait_s: float,
        backoff_initial_s: float,
        backoff_max_s: float,
        observer: Observer,
    ) -> None:
        self._consumer = consumer
        self._pool = pool
        self._group = group
        self._commits = commits
        self._wait_idle = wait_idle
        self._revoke_wait_s = revoke_wait_s
        self._backoff = (backoff_initial_s, backoff_max_s)
        self._observer = observer

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        # A revoked partition's batch should finish (and store its offsets) first, so its
        # next owner starts past it. But never for longer than the member can stay away from
        # the rejoin: a batch can outlast the rebalance (a slow or retried transaction, one
        # waiting on rows another member holds), and a member evicted for it goes on
        # applying and committing as a stale member, its partitions stalled until it is
        # done. Going on without it is safe: the batch's events are claimed in the inbox and
        # its offsets stored (never backwards) in its own transaction whenever it commits,
        # so the next owner repeats none of it, and skips nothing.
        try:
            await asyncio.wait_for(self._wait_idle(), self._revoke_wait_s)
        except TimeoutError:
            log.warning(
                "%s: a batch still applying after %.1fs; rejoining the group without it",
                self._group,
                self._revoke_wait_s,
            )

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        # The fetcher may start on a new partition before the stored offsets are read:
        # hold it until the seek, or records from the wrong position would come back.
        self._consumer.pause(*assigned)
        delay, longest = self._backoff
        try:
            while True:
                try:
                    await self._seek_to_stored(assigned)
                    break
                except Exception as exc:
                    if not is_transient(exc):
                        raise
                    log.warning("%s: cannot read stored offsets yet: %r", self._group, exc)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, longest)
        finally:
            self._consumer.resume(*assigned)
        self._observer.assigned(assigned)

    async def _seek_to_stored(self, assigned: set[TopicPartition]) -> None:
        stored = await store.load_offsets(self._pool, self._group, {tp.topic for tp in assigned})
        resumed: Offsets = {}
        for tp in assigned:
            offset = stored.get((tp.topic, tp.partition))
            if offset is None:
                await self._consumer.seek_to_beginning(tp)
            else:
                self._consumer.seek(tp, offset)
                resumed[(tp.topic, tp.partition)] = offset
        # Kafka's copy may be behind (a member killed before its commit went out): bring it
        # level now, or a partition with nothing new to read would show lag for ever.
        self._commits.schedule(resumed)
        log.info(
            "%s: assigned %s", self._group, sorted((tp.topic, tp.partition) for tp in assigned)
        )
