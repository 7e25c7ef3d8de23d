"""Dead letters: the original record, unchanged, plus headers that say where and why."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from azora.messages import Event, Headers, OutgoingMessage
from azora.topics import TopicNames
from schemas.catalogue import TopicSpec
from schemas.envelope import utcnow

if TYPE_CHECKING:
    from aiokafka.structs import ConsumerRecord

    from azora.consume.service import RawRecord

log = logging.getLogger(__name__)

# Header names an operator (and `azora dlq`) reads on every dead letter.
ORIGIN_TOPIC = "dlq.origin.topic"
ORIGIN_PARTITION = "dlq.origin.partition"
ORIGIN_OFFSET = "dlq.origin.offset"
ERROR = "dlq.error"
ERROR_KIND = "dlq.error.kind"
ATTEMPTS = "dlq.attempts"
GROUP = "dlq.group"
FAILED_AT = "dlq.failed_at"
# On a re-driven record: the dead letter it came from (`azora dlq`). Kept if it fails again.
REDRIVEN_FROM = "dlq.redriven_from"

MAX_ERROR_BYTES = 2000

# Names inbox ids for records that have no event id of their own (see `position_id`).
_POSITION_NAMESPACE = uuid.UUID("1d6c5a8e-2f0b-4c1e-9a57-3b1f6e0c9d42")


@dataclass(frozen=True, slots=True)
class FailedRecord:
    """What the loop knows of a record it gives up on."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers


def dead_letter(
    record: FailedRecord,
    *,
    dlq_topic: str,
    group: str,
    error: str,
    kind: str,
    attempts: int,
) -> OutgoingMessage:
    """The dead-letter record for `record`: same key, value and headers, plus the cause."""
    # A re-driven record that fails again must not pile up stale dlq.* headers; where it
    # was re-driven from stays, so its new dead letter links to the old one.
    kept = tuple(
        (k, v) for k, v in record.headers if not k.startswith("dlq.") or k == REDRIVEN_FROM
    )
    cause = (
        (ORIGIN_TOPIC, record.topic.encode()),
        (ORIGIN_PARTITION, str(record.partition).encode()),
        (ORIGIN_OFFSET, str(record.offset).encode()),
        (ERROR, error.encode()[:MAX_ERROR_BYTES]),
        (ERROR_KIND, kind.encode()),
        (ATTEMPTS, str(attempts).encode()),
        (GROUP, group.encode()),
        (FAILED_AT, utcnow().isoformat().encode()),
    )
    return OutgoingMessage(
        topic=dlq_topic, key=record.key, value=record.value or b"", headers=(*kept, *cause)
    )


def origin_topic(letter: OutgoingMessage) -> str:
    """The topic a dead letter's record failed on (its own topic is that one's .dlq)."""
    for key, value in letter.headers:
        if key == ORIGIN_TOPIC:
            return value.decode()
    return letter.topic


def failed_record(record: ConsumerRecord) -> FailedRecord:
    """What a dead letter of a fetched record copies of it."""
    return FailedRecord(
        record.topic,
        record.partition,
        record.offset,
        record.key,
        record.value,
        tuple(record.headers or ()),
    )


def failed_event(event: Event[Any]) -> FailedRecord:
    """The record an event was decoded from, as its dead letter copies it."""
    return FailedRecord(
        event.topic, event.partition, event.offset, event.key, event.value, event.headers
    )


class DeadLetters:
    """One consumer group's way of giving up on a record: logged, then dead-lettered."""

    def __init__(self, group: str, names: TopicNames, specs: list[TopicSpec]) -> None:
        self.group = group
        self._names = names
        self._by_topic = {names.physical(spec): spec for spec in specs}

    def position_id(self, record: FailedRecord | RawRecord) -> uuid.UUID:
        """An inbox id for a record with no event id: its group, topic, partition and offset.

        The same record fetched twice (a rebalance) is then claimed, and dead-lettered, once.
        """
        return uuid.uuid5(
            _POSITION_NAMESPACE, f"{self.group}|{record.topic}|{record.partition}|{record.offset}"
        )

    def letter(
        self, record: FailedRecord, reason: str, kind: str, attempts: int
    ) -> OutgoingMessage:
        """The dead letter for `record` on its topic's dead-letter topic (and a log line)."""
        spec = self._by_topic[record.topic]
        log.error(
            "%s: dead-lettering %s[%d]@%d: %s",
            self.group,
            record.topic,
            record.partition,
            record.offset,
            reason,
            extra={
                "fields": {
                    "topic": record.topic,
                    "partition": record.partition,
                    "offset": record.offset,
                }
            },
        )
        return dead_letter(
            record,
            dlq_topic=self._names.dlq(spec),
            group=self.group,
            error=reason,
            kind=kind,
            attempts=attempts,
        )
