"""One look at the cluster: every consumer group's committed and log-end offsets, and
how old its oldest unconsumed message is."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


@dataclass(frozen=True)
class PartitionLag:
    """Where a group stands on one partition at the moment of the sample."""

    topic: str
    partition: int
    committed: int
    end: int
    # Age of the first unconsumed message (None when its timestamp could not be read).
    lag_seconds: float | None

    @property
    def lag(self) -> int:
        """Messages between the group's committed offset and the log end."""
        return max(0, self.end - self.committed)


@dataclass(frozen=True)
class GroupLag:
    """One consumer group at the moment of the sample."""

    group: str
    state: str
    members: int
    partitions: tuple[PartitionLag, ...]
    sampled_at: float


class LagSampler:
    """Reads offsets the way Kafka's consumer-groups tool does, plus record timestamps.

    Committed offsets come from the group coordinator (OffsetFetch), log-end offsets from
    ListOffsets (latest), members from DescribeGroups. For a partition with lag, the time
    lag is the age of the record at the committed offset, read with a consumer that has
    no group (it never joins or commits). Timestamps are cached per committed offset, so
    a group that is not moving costs no reads.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        include: re.Pattern[str],
        *,
        fetch_timeout_s: float = 3.0,
        clock: Callable[[], float] = time.time,
        security: Mapping[str, Any] | None = None,
    ) -> None:
        self._include = include
        self._fetch_timeout_s = fetch_timeout_s
        self._clock = clock
        # TLS and SASL as `azora.kafka.security_kwargs` builds them from settings.
        security = dict(security or {})
        self._admin = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap_servers, client_id="azora-lag-exporter", **security
        )
        self._reader = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            **security,
            client_id="azora-lag-exporter",
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            # One record per partition is all we want: keep fetches small.
            max_partition_fetch_bytes=64 * 1024,
            fetch_max_bytes=1024 * 1024,
        )
        self._timestamps: dict[tuple[str, int, int], int] = {}

    async def start(self) -> LagSampler:
        """Connect both clients (a failure leaves nothing open)."""
        try:
            await self._admin.start()
            await self._reader.start()
        except BaseException:
            await self.close()
            raise
        return self

    async def close(self) -> None:
        """Disconnect."""
        with contextlib.suppress(Exception):
            await self._reader.stop()
        with contextlib.suppress(Exception):
            await self._admin.close()

    async def sample(self) -> list[GroupLag]:
        """Every matching group's position, sorted by group name."""
        listed = await self._admin.list_consumer_groups()
        groups = sorted({str(g[0]) for g in listed if self._include.search(str(g[0]))})
        if not groups:
            return []
        described = await self._describe(groups)
        committed = dict(
            zip(
                groups,
                await asyncio.gather(*(self._admin.list_consumer_group_offsets(g) for g in groups)),
                strict=True,
            )
        )
        existing = set(await self._admin.list_topics())
        offsets: dict[str, dict[TopicPartition, int]] = {
            group: {
                tp: meta.offset
                for tp, meta in by_tp.items()
                # Offsets of deleted topics linger in the group until they expire.
                if tp.topic in existing and meta.offset >= 0
            }
            for group, by_tp in committed.items()
        }
        all_tps = sorted({tp for by_tp in offsets.values() for tp in by_tp})
        ends: dict[TopicPartition, int] = await self._reader.end_offsets(all_tps) if all_tps else {}
        now = self._clock()
        timestamps = await self._first_unconsumed_timestamps(
            {(tp, off) for by_tp in offsets.values() for tp, off in by_tp.items() if off < ends[tp]}
        )
        return [
            GroupLag(
                group=group,
                state=described.get(group, ("Unknown", 0))[0],
                members=described.get(group, ("Unknown", 0))[1],
                partitions=tuple(
                    PartitionLag(
                        topic=tp.topic,
                        partition=tp.partition,
                        committed=off,
                        end=ends[tp],
                        lag_seconds=_age(
                            now, ends[tp], off, timestamps.get((tp.topic, tp.partition, off))
                        ),
                    )
                    for tp, off in sorted(offsets[group].items())
                ),
                sampled_at=now,
            )
            for group in groups
        ]

    async def _describe(self, groups: list[str]) -> dict[str, tuple[str, int]]:
        # group → (state, active members)
        # One group per request: aiokafka 0.14 fails to decode a DescribeGroups answer
        # about several groups from Kafka 4 ("Buffer underrun decoding string").
        answers = await asyncio.gather(
            *(self._admin.describe_consumer_groups([group]) for group in groups)
        )
        responses: list[Any] = [response for answer in answers for response in answer]
        described: dict[str, tuple[str, int]] = {}
        for response in responses:
            for group in response.to_object()["groups"]:
                if group["error_code"] == 0:
                    described[group["group"]] = (group["state"], len(group["members"]))
        return described

    async def _first_unconsumed_timestamps(
        self, wanted: set[tuple[TopicPartition, int]]
    ) -> dict[tuple[str, int, int], int]:
        """Timestamp (ms) of the record at each (partition, offset), cached by offset."""
        keys = {(tp.topic, tp.partition, off) for tp, off in wanted}
        self._timestamps = {k: v for k, v in self._timestamps.items() if k in keys}
        # Two groups on one partition at different offsets need two reads: one per round.
        missing: dict[TopicPartition, list[int]] = {}
        for tp, off in sorted(wanted):
            if (tp.topic, tp.partition, off) not in self._timestamps:
                missing.setdefault(tp, []).append(off)
        for round_ in range(max((len(offs) for offs in missing.values()), default=0)):
            at = {tp: offs[round_] for tp, offs in missing.items() if round_ < len(offs)}
            self._timestamps.update(await self._read_first(at))
        return self._timestamps

    async def _read_first(self, at: dict[TopicPartition, int]) -> dict[tuple[str, int, int], int]:
        found: dict[tuple[str, int, int], int] = {}
        self._reader.assign(list(at))
        for tp, off in at.items():
            self._reader.seek(tp, off)
        remaining = set(at)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._fetch_timeout_s):
                while remaining:
                    fetched = await self._reader.getmany(*remaining, timeout_ms=200)
                    for tp, records in fetched.items():
                        if tp in remaining and records:
                            # Compaction or retention may have removed the record at the
                            # offset itself: the next one is the oldest still unconsumed.
                            found[(tp.topic, tp.partition, at[tp])] = records[0].timestamp
                            remaining.discard(tp)
                            self._reader.pause(tp)
        self._reader.assign([])
        return found


def _age(now: float, end: int, committed: int, timestamp_ms: int | None) -> float | None:
    if committed >= end:
        return 0.0
    if timestamp_ms is None:
        return None
    return max(0.0, now - timestamp_ms / 1000.0)
