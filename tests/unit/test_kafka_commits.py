"""Kafka's copy of the offsets: sent in the background, never backwards, never after close."""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from aiokafka.structs import OffsetAndMetadata

from azora.consume.offsets import KafkaCommits

TOPIC = "t.user.registered"


class FakeConsumer:
    """Owns partitions 0 and 1 of TOPIC and records each commit."""

    def __init__(self) -> None:
        self.commits: list[dict[TopicPartition, OffsetAndMetadata]] = []
        self.stopped = False

    def assignment(self) -> set[TopicPartition]:
        return {TopicPartition(TOPIC, 0), TopicPartition(TOPIC, 1)}

    async def commit(self, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None:
        assert not self.stopped, "committed for a stopped consumer"
        self.commits.append(offsets)


def committed(consumer: FakeConsumer) -> list[dict[int, int]]:
    return [{tp.partition: o.offset for tp, o in c.items()} for c in consumer.commits]


def commits_for(consumer: FakeConsumer, interval_s: float = 3600.0) -> KafkaCommits:
    fake: Any = consumer
    return KafkaCommits(fake, "g", interval_s)


async def test_closing_sends_what_is_pending_at_once_and_nothing_afterwards() -> None:
    consumer = FakeConsumer()
    async with aclosing(commits_for(consumer)) as commits:
        commits.schedule({(TOPIC, 0): 10})
        await asyncio.sleep(0)  # the first commit goes out at once
        commits.schedule({(TOPIC, 0): 20, (TOPIC, 1): 5})  # waits for the hour's interval
    consumer.stopped = True
    commits.schedule({(TOPIC, 0): 30})
    await asyncio.sleep(0)
    assert committed(consumer) == [{0: 10}, {0: 20, 1: 5}]


async def test_offsets_never_go_backwards() -> None:
    consumer = FakeConsumer()
    async with aclosing(commits_for(consumer, interval_s=0)) as commits:
        commits.schedule({(TOPIC, 0): 20})
        await asyncio.sleep(0)
        commits.schedule({(TOPIC, 0): 10, (TOPIC, 1): 3})
    assert committed(consumer) == [{0: 20}, {1: 3}]


async def test_partitions_no_longer_owned_are_left_out() -> None:
    consumer = FakeConsumer()
    async with aclosing(commits_for(consumer)) as commits:
        commits.schedule({(TOPIC, 7): 1})
    assert committed(consumer) == []


class RefusingOnce(FakeConsumer):
    """Refuses its first commit with `refusal`."""

    def __init__(self, refusal: Exception) -> None:
        super().__init__()
        self.refusal = refusal
        self.attempts = 0

    async def commit(self, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None:
        self.attempts += 1
        if self.attempts == 1:
            raise self.refusal
        await super().commit(offsets)


class Reassigned(FakeConsumer):
    """Owns nothing until `owns` is set: a partition taken away, then given back."""

    owns = False

    def assignment(self) -> set[TopicPartition]:
        return super().assignment() if self.owns else set()


async def test_a_commit_kafka_refused_for_another_reason_is_sent_again() -> None:
    consumer = RefusingOnce(KafkaError("the coordinator cannot take it now"))
    async with aclosing(commits_for(consumer, interval_s=0)) as commits:
        commits.schedule({(TOPIC, 0): 10})
        for _ in range(100):
            if consumer.commits:
                break
            await asyncio.sleep(0.05)
    assert committed(consumer) == [{0: 10}]


async def test_a_commit_refused_to_a_stale_member_is_not_sent_again() -> None:
    # aiokafka has asked to rejoin; resending would be refused for as long as that takes.
    consumer = RefusingOnce(CommitFailedError("the group has rebalanced without this member"))
    async with aclosing(commits_for(consumer, interval_s=0)) as commits:
        commits.schedule({(TOPIC, 0): 10})
        await until_attempted(consumer, 1)
    assert consumer.attempts == 1, "closing found nothing pending to send"
    assert committed(consumer) == []


async def test_the_rejoin_commits_the_offset_refused_to_the_stale_member() -> None:
    consumer = RefusingOnce(CommitFailedError("the group has rebalanced without this member"))
    async with aclosing(commits_for(consumer, interval_s=0)) as commits:
        commits.schedule({(TOPIC, 0): 10})
        await until_attempted(consumer, 1)
        commits.schedule({(TOPIC, 0): 10})  # the rejoin's assignment: the stored offset
    assert committed(consumer) == [{0: 10}]


async def until_attempted(consumer: RefusingOnce, attempts: int) -> None:
    for _ in range(1000):
        if consumer.attempts >= attempts:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{consumer.attempts} commit attempts, waited for {attempts}")


class Unanswered(FakeConsumer):
    """A consumer whose coordinator never answers (the brokers are gone)."""

    async def commit(self, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None:
        self.commits.append(offsets)
        await asyncio.Event().wait()


async def test_closing_gives_up_a_commit_nobody_answers_and_leaves_nothing_running() -> None:
    consumer = Unanswered()
    commits = commits_for(consumer)
    commits.schedule({(TOPIC, 0): 10})
    await asyncio.sleep(0)
    assert committed(consumer) == [{0: 10}]

    await commits.aclose(wait_s=0.01)

    assert commits._task is not None
    assert commits._task.cancelled()
