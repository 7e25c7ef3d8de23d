"""The envelope every Kafka message carries, and the Kafka headers that mirror it."""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, create_model

# Header names are part of the contract: tools filter on them without decoding bodies.
HEADER_EVENT_ID = "event_id"
HEADER_TYPE = "type"
HEADER_CORRELATION_ID = "correlation_id"
HEADER_TRACEPARENT = "traceparent"
HEADER_REQUEST_FINGERPRINT = "azora-request-fingerprint"


class EnvelopeFields(BaseModel):
    """The envelope without its payload: what every message says about itself."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: uuid.UUID
    type: str = Field(min_length=1, max_length=200)
    schema_version: int = Field(default=1, ge=1)
    # Written in UTC by `utcnow`; readers accept any offset.
    occurred_at: AwareDatetime
    correlation_id: uuid.UUID
    causation_id: uuid.UUID | None = None
    actor: str = Field(min_length=1, max_length=200)

    def headers(self, traceparent: str | None = None) -> list[tuple[str, bytes]]:
        """Kafka headers mirroring the envelope's routing fields."""
        event_id = str(self.event_id).encode()
        # A command correlates with itself: the same id, formatted once.
        same = self.correlation_id == self.event_id
        headers = [
            (HEADER_EVENT_ID, event_id),
            (HEADER_TYPE, self.type.encode()),
            (HEADER_CORRELATION_ID, event_id if same else str(self.correlation_id).encode()),
        ]
        if traceparent:
            headers.append((HEADER_TRACEPARENT, traceparent.encode()))
        return headers


class Envelope(EnvelopeFields):
    """One event or command on a topic, its payload still a plain object (tools, DLQ)."""

    payload: dict[str, Any]


@functools.cache
def typed_envelope(model: type[BaseModel]) -> type[EnvelopeFields]:
    """An envelope model whose payload is `model` and whose type is `model`'s name.

    Validating a record against it is one pass in pydantic-core, several times faster
    than validating the envelope and then its payload.
    """
    typed: type[EnvelopeFields] = create_model(
        f"{model.__name__}Envelope",
        __base__=EnvelopeFields,
        type=(Literal[model.__name__], ...),  # type: ignore[arg-type]
        payload=(model, ...),
    )
    return typed


def utcnow() -> datetime:
    """The current instant in UTC (one place, so tests and code agree on time zones)."""
    return datetime.now(UTC)
