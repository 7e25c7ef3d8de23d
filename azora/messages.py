"""Building, encoding and decoding messages: envelopes in, Kafka records out."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple

from pydantic import BaseModel, ValidationError
from typing_extensions import TypeVar

from azora.ids import name_uuid, random_uuid
from azora.topics import TopicNames
from schemas.base import READING
from schemas.catalogue import TopicSpec
from schemas.envelope import (
    HEADER_TRACEPARENT,
    Envelope,
    EnvelopeFields,
    typed_envelope,
    utcnow,
)

# Covariant like TopicSpec's, so `Event[BaseModel]` takes any event and a handler of one
# model takes only its own topic's events; a type parameter costs nothing at run time.
P = TypeVar("P", bound=BaseModel, covariant=True, default=BaseModel)
M = TypeVar("M", bound=BaseModel)
Headers = Sequence[tuple[str, bytes]]

# The newest envelope schema_version this code understands for any topic.
SUPPORTED_SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A record ready for the broker (or the outbox): physical topic, key, value, headers."""

    topic: str
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]


class Event(NamedTuple, Generic[P]):
    """A decoded record: where it came from, its envelope, and its validated payload.

    Immutable as a tuple: every record a consumer reads becomes one, and a tuple is built
    in a fifth of the time a frozen dataclass takes (0.3 against 1.5 us, whose every field
    goes through `object.__setattr__`).
    """

    spec: TopicSpec[P]
    envelope: EnvelopeFields
    payload: P
    topic: str
    partition: int
    offset: int
    headers: tuple[tuple[str, bytes], ...] = ()
    # The record's bytes as they came, for a dead letter of this event.
    key: bytes | None = None
    value: bytes | None = None

    @property
    def traceparent(self) -> bytes | None:
        """W3C trace context from the record's headers, passed on to what this event causes."""
        return header_value(self.headers, HEADER_TRACEPARENT)


class DecodeError(Exception):
    """A record that can never be processed as it is (bad bytes, wrong type, invalid payload)."""


def build_envelope(
    spec: TopicSpec,
    payload: BaseModel,
    *,
    actor: str,
    event_id: uuid.UUID | None = None,
    correlation_id: uuid.UUID | None = None,
    causation_id: uuid.UUID | None = None,
) -> Envelope:
    """An envelope for `payload` on `spec`'s topic; a command correlates with itself."""
    if not isinstance(payload, spec.model):
        raise TypeError(f"{spec.name} carries {spec.type}, not {type(payload).__name__}")
    event_id = event_id or random_uuid()
    return Envelope(
        event_id=event_id,
        type=spec.type,
        occurred_at=utcnow(),
        correlation_id=correlation_id or event_id,
        causation_id=causation_id,
        actor=actor,
        payload=payload.model_dump(mode="json"),
    )


def derived_event_id(cause: uuid.UUID, spec: TopicSpec, index: int = 0) -> uuid.UUID:
    """The id of the `index`-th event on `spec` caused by `cause`.

    Deterministic, so processing the same cause twice (a replay, a second group)
    yields the same ids and every downstream inbox drops the repeat.
    """
    return name_uuid(cause, f"{spec.name}#{index}")


def message_key(spec: TopicSpec, payload: BaseModel) -> bytes:
    """The record key: the payload's aggregate field named by the catalogue."""
    return str(getattr(payload, spec.key_field)).encode()


def encode(
    spec: TopicSpec,
    envelope: Envelope,
    key: bytes | None,
    names: TopicNames,
    *,
    extra_headers: Headers = (),
) -> OutgoingMessage:
    """The Kafka record for `envelope` on `spec`'s topic."""
    return OutgoingMessage(
        topic=names.physical(spec),
        key=key,
        value=envelope.model_dump_json().encode(),
        headers=(*envelope.headers(), *extra_headers),
    )


def decode(spec: TopicSpec[M], value: bytes | None) -> tuple[EnvelopeFields, M]:
    """Validate a record body against the envelope and `spec`'s model, or raise DecodeError."""
    if value is None:
        raise DecodeError("empty record (tombstone) on a topic that carries events")
    try:
        # Tolerant reader: fields this code does not know (a newer producer's additive,
        # optional ones, during a rolling upgrade) are ignored at every depth, and so are
        # new values of extensible enums (READING). What we write stays strict: the models
        # forbid unknown fields and values when built.
        typed = typed_envelope(spec.model).model_validate_json(
            value, extra="ignore", context=READING
        )
    except ValidationError:
        _diagnose(spec, value)  # raises DecodeError with the precise reason
        raise
    if typed.schema_version > SUPPORTED_SCHEMA_VERSION:
        _diagnose(spec, value)
    return typed, typed.payload  # type: ignore[attr-defined]


def _diagnose(spec: TopicSpec, value: bytes) -> None:
    """Say why `value` is not a valid record of `spec` (the slow path, for failures only)."""
    try:
        envelope = Envelope.model_validate_json(value, extra="ignore")
    except ValidationError as exc:
        raise DecodeError(f"invalid envelope: {_summary(exc)}") from exc
    if envelope.type != spec.type:
        raise DecodeError(f"type {envelope.type!r} does not belong on {spec.name} ({spec.type})")
    if envelope.schema_version > SUPPORTED_SCHEMA_VERSION:
        raise DecodeError(
            f"unknown schema_version {envelope.schema_version} "
            f"(this code reads up to {SUPPORTED_SCHEMA_VERSION})"
        )
    try:
        spec.model.model_validate(envelope.payload, extra="ignore", context=READING)
    except ValidationError as exc:
        raise DecodeError(f"invalid {spec.type} payload: {_summary(exc)}") from exc
    raise DecodeError("invalid record")  # unreachable for records the fast path refused


def _summary(exc: ValidationError) -> str:
    parts: list[str] = []
    for error in exc.errors()[:5]:
        location = ".".join(str(part) for part in error["loc"]) or "body"
        parts.append(f"{location}: {error['msg']}")
    return "; ".join(parts)


def header_value(headers: Headers, name: str) -> bytes | None:
    """The first header called `name`, if any."""
    for key, value in headers:
        if key == name:
            return value
    return None


def jsonable_headers(headers: Headers) -> list[list[str]]:
    """Headers as [[name, base64 value]] for a jsonb column (dead letters copy binary ones)."""

    return [[key, base64.b64encode(value).decode()] for key, value in headers]


def headers_from_json(stored: Any) -> list[tuple[str, bytes]]:
    """The inverse of `jsonable_headers`."""

    return [(str(key), base64.b64decode(value)) for key, value in stored]
