"""What becomes of each row of a batch the relay sends: acked, parked, or left to retry."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, cast

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    KafkaConnectionError,
    MessageSizeTooLargeError,
    OutOfOrderSequenceNumber,
)

from azora.outbox_sending import send_rows


class ScriptedProducer:
    """Answers each value as scripted: a refusal at send, a failed ack, or an ack."""

    def __init__(self, script: dict[bytes, Exception]) -> None:
        self.script = script
        self.at_send = {MessageSizeTooLargeError}

    async def send(self, topic: str, value: bytes, **_: Any) -> asyncio.Future[object]:
        outcome = self.script.get(value)
        if outcome is not None and type(outcome) in self.at_send:
            raise outcome
        acked: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        if outcome is None:
            acked.set_result(None)
        else:
            acked.set_exception(outcome)
        return acked


def _rows(values: Sequence[bytes]) -> list[asyncpg.Record]:
    rows = [
        {"id": n, "topic": "t", "key": b"k", "value": v, "headers": []}
        for n, v in enumerate(values, 1)
    ]
    return cast(list[asyncpg.Record], rows)


async def _send(script: dict[bytes, Exception], values: Sequence[bytes]) -> Any:
    producer = cast(AIOKafkaProducer, ScriptedProducer(script))
    return await send_rows(producer, _rows(values))


async def test_a_batch_the_broker_takes_whole_is_all_acked() -> None:
    sent = await _send({}, [b"a", b"b"])

    assert [row["id"] for row in sent.acked] == [1, 2]
    assert sent.refused == {}
    assert sent.failure is None


async def test_rows_refused_at_send_or_by_the_broker_are_set_apart_with_their_reason() -> None:
    class BrokerSaysTooLarge(MessageSizeTooLargeError):
        """The same error, arriving with the ack rather than at send."""

    script: dict[bytes, Exception] = {
        b"huge": MessageSizeTooLargeError("larger than max_request_size"),
        b"big": BrokerSaysTooLarge("MESSAGE_TOO_LARGE"),
    }

    sent = await _send(script, [b"a", b"huge", b"big", b"b"])

    assert [row["id"] for row in sent.acked] == [1, 4]
    assert list(sent.refused) == [2, 3]
    assert "MessageSizeTooLargeError: larger than max_request_size" in sent.refused[2]
    assert "BrokerSaysTooLarge: MESSAGE_TOO_LARGE" in sent.refused[3]
    assert sent.failure is None


async def test_rows_that_failed_otherwise_are_neither_acked_nor_parked() -> None:
    script: dict[bytes, Exception] = {
        b"b": OutOfOrderSequenceNumber(),
        b"c": OutOfOrderSequenceNumber(),
    }

    sent = await _send(script, [b"a", b"b", b"c"])

    assert [row["id"] for row in sent.acked] == [1]
    assert sent.refused == {}
    assert isinstance(sent.failure, OutOfOrderSequenceNumber)


async def test_a_producer_that_cannot_take_records_leaves_the_whole_batch() -> None:
    producer = ScriptedProducer({b"b": KafkaConnectionError()})
    producer.at_send = {KafkaConnectionError}

    with pytest.raises(KafkaConnectionError):
        await send_rows(cast(AIOKafkaProducer, producer), _rows([b"a", b"b"]))
