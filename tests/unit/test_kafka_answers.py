"""Readiness asks Kafka on a client of its own: started when first asked, once, afresh
after a failure, and closed with the workers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from azora.health.kafka_answers import KafkaAnswers
from azora.health.probes import NotYet, Probes, kafka_check
from stack.workers import _kafka_of


class Client:
    """An admin client that counts its starts and closes, and answers as it is told."""

    def __init__(self, log: list[str], *, start_fails: bool = False) -> None:
        self.log = log
        self.start_fails = start_fails
        self.answer: BaseException | dict[str, Any] = {"brokers": [{"node_id": 1}]}

    async def start(self) -> None:
        self.log.append("start")
        await asyncio.sleep(0)  # a concurrent ask would start a second client here
        if self.start_fails:
            raise ConnectionRefusedError("no broker at 127.0.0.1:19092")

    async def close(self) -> None:
        self.log.append("close")

    async def describe_cluster(self) -> dict[str, Any]:
        self.log.append("ask")
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


class Factory:
    def __init__(self) -> None:
        self.log: list[str] = []
        self.made: list[Client] = []
        self.start_fails = False

    def __call__(self) -> Client:
        client = Client(self.log, start_fails=self.start_fails)
        self.made.append(client)
        return client


async def test_nothing_connects_until_a_check_asks_and_then_one_client_serves_every_ask() -> None:
    factory = Factory()
    answers = KafkaAnswers(factory)
    assert factory.made == []

    said = await asyncio.gather(answers.ask(), answers.ask(), answers.ask())

    assert said == ["1 broker", "1 broker", "1 broker"]
    assert len(factory.made) == 1
    assert factory.log.count("start") == 1
    assert factory.log.count("ask") == 3


async def test_a_failed_ask_drops_the_client_and_the_next_ask_starts_a_fresh_one() -> None:
    factory = Factory()
    answers = KafkaAnswers(factory)
    await answers.ask()
    factory.made[0].answer = ConnectionResetError("broker went away")

    with pytest.raises(ConnectionResetError):
        await answers.ask()

    assert factory.log == ["start", "ask", "ask", "close"]
    assert await answers.ask() == "1 broker"
    assert len(factory.made) == 2


async def test_a_client_that_cannot_start_is_closed_and_the_next_ask_tries_again() -> None:
    factory = Factory()
    factory.start_fails = True
    answers = KafkaAnswers(factory)

    with pytest.raises(ConnectionRefusedError):
        await answers.ask()

    assert factory.log == ["start", "close"]
    factory.start_fails = False
    assert await answers.ask() == "1 broker"


async def test_an_ask_that_outlasts_the_check_is_unready_and_leaves_no_client_behind() -> None:
    factory = Factory()
    answers = KafkaAnswers(factory)
    await answers.ask()
    hang = asyncio.Event()

    async def never_answers() -> dict[str, Any]:
        await hang.wait()
        return {}

    factory.made[0].describe_cluster = never_answers  # type: ignore[method-assign]
    probes = Probes(deadline_s=60, check_timeout_s=0.01)
    probes.check("kafka", kafka_check(answers.ask))

    status, body = await probes.readiness()

    assert status == 503
    assert body["details"]["kafka"] == "no answer within 0.01 s"
    assert factory.log[-1] == "close"
    assert await answers.ask() == "1 broker"
    assert len(factory.made) == 2


async def test_closing_closes_the_client_a_check_started_and_nothing_otherwise() -> None:
    unused = Factory()
    await KafkaAnswers(unused).aclose()
    used = Factory()
    answers = KafkaAnswers(used)
    await answers.ask()

    await answers.aclose()

    assert unused.log == []
    assert used.log == ["start", "ask", "close"]


async def test_a_cluster_of_three_is_named_as_three_brokers() -> None:
    factory = Factory()
    answers = KafkaAnswers(factory)
    await answers.ask()
    factory.made[0].answer = {"brokers": [{"node_id": n} for n in (1, 2, 3)]}

    assert await answers.ask() == "3 brokers"


class Consumer:
    def topics(self) -> None:
        raise AssertionError("asked on the consumer's connection, behind its held fetch")


class Loop:
    running = True
    consumer = Consumer()


async def test_a_consume_loops_kafka_check_asks_on_the_probes_client_not_the_consumers() -> None:
    factory = Factory()
    loops: dict[str, Any] = {}
    check = _kafka_of(loops, "wallet", KafkaAnswers(factory))

    with pytest.raises(NotYet):
        await check()  # the loop has not started: nothing is asked
    loops["wallet"] = Loop()

    assert await check() == "ok"
    assert factory.log == ["start", "ask"]
