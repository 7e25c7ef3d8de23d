"""The export window: where each partition starts and stops, fixed when the export starts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaConsumer, TopicPartition

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


@dataclass(frozen=True)
class Earliest:
    """The oldest record a partition still holds."""


@dataclass(frozen=True)
class Latest:
    """The partition's end as the export starts (records arriving later are left out)."""


@dataclass(frozen=True)
class AtOffset:
    """The same absolute offset in every partition (clamped to what the partition holds)."""

    offset: int


@dataclass(frozen=True)
class AtTime:
    """The first record whose timestamp is at or after this instant (Kafka ListOffsets)."""

    at: datetime

    @property
    def ms(self) -> int:
        """The instant in milliseconds since the epoch, as Kafka timestamps are.

        Integer arithmetic, not `timestamp() * 1000`, whose float rounding can land a
        millisecond early. A fraction of a millisecond rounds up: record timestamps are
        whole milliseconds, so the first one at or after 12:00:00.0005 is at .001.
        """
        whole, rest = divmod(self.at - _EPOCH, _MS)
        # ListOffsets refuses negative timestamps; nothing in a log is older than 1970 anyway.
        return max(0, whole + (1 if rest else 0))


Bound = Earliest | Latest | AtOffset | AtTime

EARLIEST = Earliest()
LATEST = Latest()


def parse_bound(text: str) -> Bound:
    """A window bound: `earliest`, `latest`, an offset, or an ISO 8601 time with an offset or Z."""
    word = text.strip()
    if word.lower() == "earliest":
        return EARLIEST
    if word.lower() == "latest":
        return LATEST
    if word.lstrip("+-").isdigit():
        offset = int(word)
        if offset < 0:
            raise ValueError(f"{text!r}: an offset cannot be negative")
        return AtOffset(offset)
    try:
        at = datetime.fromisoformat(word)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a window bound: use earliest, latest, an offset, "
            "or an ISO 8601 time such as 2024-05-01T12:00:00Z"
        ) from None
    if at.tzinfo is None or at.utcoffset() is None:
        # A time without an offset means different instants on different machines.
        raise ValueError(f"{text!r}: give the time with an offset or Z (e.g. {word}Z)")
    return AtTime(at)


@dataclass(frozen=True)
class Span:
    """The offsets of one partition inside the window: `start` included, `end` excluded."""

    start: int
    end: int

    @property
    def size(self) -> int:
        """How many offsets the span covers (records, plus any gaps compaction left)."""
        return self.end - self.start


def resolve(bound: Bound, *, beginning: int, end: int, by_time: int | None) -> int:
    """The offset `bound` stands for in a partition holding [beginning, end).

    `by_time` is ListOffsets' answer for a time bound: None when no record is that recent,
    which means the bound lies past everything the partition holds.
    """
    match bound:
        case Earliest():
            return beginning
        case Latest():
            return end
        case AtOffset(offset):
            return min(max(offset, beginning), end)
        case AtTime():
            return end if by_time is None else min(max(by_time, beginning), end)


def span(
    start: Bound,
    stop: Bound,
    *,
    beginning: int,
    end: int,
    start_by_time: int | None = None,
    stop_by_time: int | None = None,
) -> Span:
    """A partition's span for the window [start, stop); empty when stop is not after start."""
    first = resolve(start, beginning=beginning, end=end, by_time=start_by_time)
    last = resolve(stop, beginning=beginning, end=end, by_time=stop_by_time)
    return Span(first, max(first, last))


async def resolve_window(
    consumer: AIOKafkaConsumer,
    partitions: Iterable[TopicPartition],
    start: Bound,
    stop: Bound,
) -> dict[TopicPartition, Span]:
    """Each partition's span, read from the broker once: the end never moves afterwards."""
    tps = list(partitions)
    if not tps:
        return {}
    beginnings: dict[TopicPartition, int] = await consumer.beginning_offsets(tps)
    ends: dict[TopicPartition, int] = await consumer.end_offsets(tps)
    start_by_time = await _by_time(consumer, tps, start)
    stop_by_time = await _by_time(consumer, tps, stop)
    return {
        tp: span(
            start,
            stop,
            beginning=beginnings[tp],
            end=ends[tp],
            start_by_time=start_by_time.get(tp),
            stop_by_time=stop_by_time.get(tp),
        )
        for tp in tps
    }


async def _by_time(
    consumer: AIOKafkaConsumer, tps: list[TopicPartition], bound: Bound
) -> dict[TopicPartition, int | None]:
    if not isinstance(bound, AtTime):
        return {}
    # offsets_for_times rewrites the mapping it is given, so it gets one of its own.
    found = await consumer.offsets_for_times({tp: bound.ms for tp in tps})
    return {tp: (None if hit is None else int(hit.offset)) for tp, hit in found.items()}
