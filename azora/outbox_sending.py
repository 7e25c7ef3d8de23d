"""Sending one batch of outbox rows and sorting out what became of each.

A row is acked (the broker has it), refused (the broker or the producer will never take it,
`azora.outbox_parking`), or neither: the first other failure is kept for the relay, which
leaves the rows not acked in the outbox and sends them again once it has recovered.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import asyncpg
from aiokafka import AIOKafkaProducer

from azora import tracing
from azora.messages import header_value, headers_from_json
from azora.outbox_parking import never_sendable, reason
from schemas.envelope import HEADER_EVENT_ID, HEADER_TRACEPARENT


@dataclass
class Sent:
    """A batch's outcome: the rows acked, the rows refused (id: reason), the first failure."""

    acked: list[asyncpg.Record] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)
    failure: BaseException | None = None


async def send_rows(producer: AIOKafkaProducer, rows: Sequence[asyncpg.Record]) -> Sent:
    """Send `rows` in order, wait for every ack, and say what became of each row."""
    sent = Sent()
    sending: list[tuple[asyncpg.Record, asyncio.Future[object]]] = []
    for row in rows:
        with traced_publish(row["topic"], headers_from_json(row["headers"])) as headers:
            try:
                acked = await producer.send(
                    row["topic"], row["value"], key=row["key"], headers=headers
                )
            except Exception as exc:
                if not never_sendable(exc):
                    raise  # the producer cannot take records now: the whole batch stays
                sent.refused[row["id"]] = reason(exc)  # too large for the producer itself
            else:
                sending.append((row, acked))
    acks = await asyncio.gather(*(acked for _, acked in sending), return_exceptions=True)
    for (row, _), ack in zip(sending, acks, strict=True):
        if not isinstance(ack, BaseException):
            sent.acked.append(row)
        elif never_sendable(ack):
            # The broker refused it. An idempotent producer has counted its sequence
            # numbers, so the partition's later records fail until it is replaced.
            sent.refused[row["id"]] = reason(ack)
        elif sent.failure is None:
            sent.failure = ack
    return sent


@contextlib.contextmanager
def traced_publish(
    topic: str, headers: list[tuple[str, bytes]]
) -> Iterator[list[tuple[str, bytes]]]:
    """A publish span under the one that wrote the row; the record names it as parent."""
    if tracing.tracer() is None:
        yield headers
        return
    event_id = (header_value(headers, HEADER_EVENT_ID) or b"").decode()
    parent = header_value(headers, HEADER_TRACEPARENT)
    with tracing.producer_span(topic, event_id, parent) as span:
        own = tracing.traceparent_of(span) if span is not None else None
        if own is None:
            yield headers
            return
        yield [(k, v) for k, v in headers if k != HEADER_TRACEPARENT] + [(HEADER_TRACEPARENT, own)]
