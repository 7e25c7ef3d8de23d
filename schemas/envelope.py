"""The envelope every Kafka message carries, and the Kafka headers that mirror it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

# Header names are part of the contract: tools filter on them without decoding bodies.
HEADER_EVENT_ID = "event_id"
HEADER_TYPE = "type"
HEADER_CORRELATION_ID = "correlation_id"
HEADER_TRACEPARENT = "traceparent"
HEADER_REQUEST_FINGERPRINT = "azora-request-fingerprint"


class Envelope(BaseModel):
    """One event or command on a topic; its topic's model validates `payload`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: uuid.UUID
    type: str = Field(min_length=1, max_length=200)
    schema_version: int = Field(default=1, ge=1)
    occurred_at: AwareDatetime
    correlation_id: uuid.UUID
    causation_id: uuid.UUID | None = None
    actor: str = Field(min_length=1, max_length=200)
    payload: dict[str, Any]

    @field_validator("occurred_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    def headers(self, traceparent: str | None = None) -> list[tuple[str, bytes]]:
        """Kafka headers mirroring the envelope's routing fields."""
        headers = [
            (HEADER_EVENT_ID, str(self.event_id).encode()),
            (HEADER_TYPE, self.type.encode()),
            (HEADER_CORRELATION_ID, str(self.correlation_id).encode()),
        ]
        if traceparent:
            headers.append((HEADER_TRACEPARENT, traceparent.encode()))
        return headers


def utcnow() -> datetime:
    """The current instant in UTC (one place, so tests and code agree on time zones)."""
    return datetime.now(UTC)
