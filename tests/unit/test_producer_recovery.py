"""A producer whose sequence state the broker lost is replaced, not retried for ever."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, OutOfOrderSequenceNumber

from azora.messages import OutgoingMessage
from azora.producer_errors import needs_new_producer
from producers.ingress.transport import KafkaTransport

MESSAGE = OutgoingMessage("t", b"k", b"{}", (("event_id", b"1"),))


class Producers:
    """Makes stand-ins for aiokafka's producer; the first send of all fails with `error`."""

    def __init__(self, error: Exception) -> None:
        self.error: Exception | None = error
        self.calls: list[str] = []

    def __call__(self) -> Producers:
        self.calls.append("new")
        return self

    async def start(self) -> None:
        self.calls.append("start")

    async def stop(self) -> None:
        self.calls.append("stop")

    async def send(self, *_: Any, **__: Any) -> asyncio.Future[None]:
        self.calls.append("send")
        delivery: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.error is not None:
            error, self.error = self.error, None
            delivery.set_exception(error)
        else:
            delivery.set_result(None)
        return delivery


def test_only_lost_sequence_state_calls_for_a_new_producer() -> None:
    assert needs_new_producer(OutOfOrderSequenceNumber())
    assert not needs_new_producer(KafkaTimeoutError())
    assert not needs_new_producer(ConnectionError())


async def test_the_ingress_reconnects_after_a_lost_sequence_and_the_retry_goes_through() -> None:
    producers = Producers(OutOfOrderSequenceNumber())
    transport = KafkaTransport(producers)  # type: ignore[arg-type]
    await transport.start()
    with pytest.raises(OutOfOrderSequenceNumber):
        await transport.send(MESSAGE)
    await transport.send(MESSAGE)
    assert producers.calls == ["new", "start", "send", "stop", "new", "start", "send"]


async def test_an_ordinary_failure_does_not_reconnect() -> None:
    producers = Producers(KafkaTimeoutError())
    transport = KafkaTransport(producers)  # type: ignore[arg-type]
    await transport.start()
    with pytest.raises(KafkaTimeoutError):
        await transport.send(MESSAGE)
    assert producers.calls == ["new", "start", "send"]


async def test_sending_before_kafka_answers_fails_as_a_connection_error() -> None:
    transport = KafkaTransport(Producers(KafkaTimeoutError()))  # type: ignore[arg-type]
    with pytest.raises(KafkaConnectionError):
        await transport.send(MESSAGE)
    assert not await transport.ping()
