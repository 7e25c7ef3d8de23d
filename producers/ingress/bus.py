"""Publishing commands and facts from the ingress, with Idempotency-Key semantics."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel

from azora import tracing
from azora.ids import name_uuid, random_uuid
from azora.messages import OutgoingMessage, build_envelope, encode, message_key
from azora.topics import TopicNames
from schemas.catalogue import TopicSpec, spec_for
from schemas.envelope import HEADER_REQUEST_FINGERPRINT, HEADER_TRACEPARENT, Envelope

_COMMAND_NAMESPACE = uuid.UUID("6f1c2a52-53a4-4c4b-9a4f-0a2b7c9e5d11")


class Transport(Protocol):
    """Sends one record and returns once the broker acknowledged it (acks=all)."""

    async def send(self, message: OutgoingMessage) -> None: ...

    async def ping(self) -> bool: ...


@dataclass(frozen=True)
class CommandId:
    """A command's id and the fingerprint of the request that asked for it."""

    id: uuid.UUID
    fingerprint: str
    from_idempotency_key: bool


class Bus:
    """Turns payloads into enveloped records and hands them to the transport."""

    def __init__(self, transport: Transport, names: TopicNames, secret: str) -> None:
        self.transport = transport
        self.names = names
        self._secret = secret.encode()

    def command_id(
        self, *, actor: str, route: str, request: BaseModel, idempotency_key: str | None
    ) -> CommandId:
        """The id for a command: derived from the Idempotency-Key when one is sent.

        Keyed with the server's secret, so nobody can predict another caller's ids, and
        scoped to the caller and route, so two callers' keys never collide.
        """
        fingerprint = self._mac(route, request.model_dump_json())
        if not idempotency_key:
            return CommandId(random_uuid(), fingerprint, False)
        derived = self._mac(actor, route, idempotency_key)
        return CommandId(name_uuid(_COMMAND_NAMESPACE, derived), fingerprint, True)

    async def send_command(self, payload: BaseModel, *, command: CommandId, actor: str) -> None:
        """Publish a command whose envelope id is the command id."""
        spec = spec_for(payload)
        envelope = build_envelope(spec, payload, actor=actor, event_id=command.id)
        await self._send(
            spec,
            envelope,
            message_key(spec, payload),
            ((HEADER_REQUEST_FINGERPRINT, command.fingerprint.encode()),),
        )

    async def send_fact(
        self, payload: BaseModel, *, actor: str, event_id: uuid.UUID | None = None
    ) -> uuid.UUID:
        """Publish a fact the ingress itself establishes (a session started, for instance)."""
        spec: TopicSpec = spec_for(payload)
        envelope = build_envelope(spec, payload, actor=actor, event_id=event_id)
        await self._send(spec, envelope, message_key(spec, payload))
        return envelope.event_id

    async def _send(
        self,
        spec: TopicSpec,
        envelope: Envelope,
        key: bytes,
        headers: tuple[tuple[str, bytes], ...] = (),
    ) -> None:
        # With tracing on, the record carries its publish span as the consumers' parent.
        if tracing.tracer() is None:  # the usual case: no span to open, no header to add
            await self.transport.send(
                encode(spec, envelope, key, self.names, extra_headers=headers)
            )
            return
        topic = self.names.physical(spec)
        with tracing.producer_span(topic, str(envelope.event_id)) as span:
            if span is not None and (parent := tracing.traceparent_of(span)):
                headers = (*headers, (HEADER_TRACEPARENT, parent))
            await self.transport.send(
                encode(spec, envelope, key, self.names, extra_headers=headers)
            )

    def _mac(self, *parts: Any) -> str:
        message = "\x1f".join(str(part) for part in parts).encode()
        return hmac.digest(self._secret, message, hashlib.sha256).hex()


def derived_id(command_id: uuid.UUID, what: str) -> uuid.UUID:
    """The id of the resource a command creates: a retried command creates the same one."""
    return name_uuid(command_id, what)
