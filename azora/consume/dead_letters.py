"""Dead letters: the original record, unchanged, plus headers that say where and why."""

from __future__ import annotations

from dataclasses import dataclass

from azora.messages import Headers, OutgoingMessage
from schemas.envelope import utcnow

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
