"""A producer whose sequence state the broker lost is replaced, not retried for ever."""

from __future__ import annotations

from typing import Any

import pytest
from aiokafka.errors import KafkaTimeoutError, OutOfOrderSequenceNumber

from azora.kafka_errors import needs_new_producer
from azora.messages import OutgoingMessage
from producers.ingress.transport import KafkaTransport

MESSAGE = OutgoingMessage("t", b"k", b"{}", (("event_id", b"1"),))


class Broker:
    """Stands in for FastStream's KafkaBroker: fails the first publish with `error`."""

    def __init__(self, error: Exception) -> None:
        self.error: Exception | None = error
        self.calls: list[str] = []

    async def publish(self, *_: Any, **__: Any) -> None:
        self.calls.append("publish")
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    async def stop(self) -> None:
        self.calls.append("stop")

    async def start(self) -> None:
        self.calls.append("start")


def test_only_lost_sequence_state_calls_for_a_new_producer() -> None:
    assert needs_new_producer(OutOfOrderSequenceNumber())
    assert not needs_new_producer(KafkaTimeoutError())
    assert not needs_new_producer(ConnectionError())


async def test_the_ingress_reconnects_after_a_lost_sequence_and_the_retry_goes_through() -> None:
    broker = Broker(OutOfOrderSequenceNumber())
    transport = KafkaTransport(broker)  # type: ignore[arg-type]
    with pytest.raises(OutOfOrderSequenceNumber):
        await transport.send(MESSAGE)
    await transport.send(MESSAGE)
    assert broker.calls == ["publish", "stop", "start", "publish"]


async def test_an_ordinary_failure_does_not_reconnect() -> None:
    broker = Broker(KafkaTimeoutError())
    transport = KafkaTransport(broker)  # type: ignore[arg-type]
    with pytest.raises(KafkaTimeoutError):
        await transport.send(MESSAGE)
    assert broker.calls == ["publish"]
