"""What the admin endpoints answer about dead letters."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
)


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class DeadLetterSummary(_Out):
    """Where a dead letter failed, in which group, and why."""

    id: uuid.UUID
    dlq_topic: str
    dlq_partition: int
    dlq_offset: int
    origin_topic: str | None
    origin_partition: int | None
    origin_offset: int | None
    group: str | None
    error: str
    error_kind: str | None
    attempts: int | None
    failed_at: datetime
    event_id: uuid.UUID | None
    event_type: str | None
    redriven_at: datetime | None
    redriven_by: str | None


class DeadLetterPage(_Out):
    """Dead letters, newest first."""

    items: list[DeadLetterSummary]


class RecordBytes(_Out):
    """A key or value: parsed when JSON, as text when UTF-8, and always as base64."""

    size: int
    parsed: Any | None
    text: str | None
    base64: str


class RecordHeader(_Out):
    """One Kafka header: its value as text when UTF-8, and always as base64."""

    name: str
    value: str | None
    value_base64: str


class DeadLetter(DeadLetterSummary):
    """A dead letter with its original record: headers, key and value."""

    headers: list[RecordHeader]
    key: RecordBytes | None
    value: RecordBytes


class RedriveAccepted(_Out):
    """The record went back to its topic; the dead letter is marked once that is projected."""

    dead_letter_id: uuid.UUID
    origin_topic: str
    redriven_at: datetime
    redriven_by: str
