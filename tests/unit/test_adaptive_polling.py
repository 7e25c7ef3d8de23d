"""An idle consumer long-polls for one byte; a busy one batches (`azora/consume/polling.py`).

The fetch requests are built by the installed aiokafka's own fetcher, as a started consumer
builds them, so an aiokafka that stopped reading its settings per request fails here. No
broker is needed: a request is built, never sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import TopicPartition
from aiokafka.consumer.fetcher import Fetcher as KafkaFetcher
from aiokafka.consumer.subscription_state import SubscriptionState
from aiokafka.structs import ConsumerRecord

from azora.consume.decoding import Decoder
from azora.consume.fetching import Fetcher
from azora.consume.observation import Observer
from azora.consume.polling import IDLE_LOOP_WAKE_MS, AdaptivePolling, FetchPolicy
from azora.kafka import make_consumer
from azora.settings import Settings
from stack.composition import loop_settings
from tests.unit.test_batch_decoding import NAMES, SERVICE, TOPIC, registered

PARTITION = TopicPartition(TOPIC, 0)
SETTINGS = Settings(consumer_fetch_wait_ms=20, consumer_fetch_min_bytes=64 * 1024)
BUSY = FetchPolicy(20, 64 * 1024)
IDLE = FetchPolicy(1000, 1)


class StartedConsumer:
    """A consumer as `start()` leaves it: aiokafka's fetcher, and records to hand out."""

    def __init__(self, fetcher: KafkaFetcher, assignment: Any) -> None:
        self._fetcher = fetcher
        self.assignment = assignment
        self.answers: list[dict[TopicPartition, list[ConsumerRecord]]] = []
        self.waits: list[int] = []

    async def getmany(
        self, *, timeout_ms: int, max_records: int
    ) -> dict[TopicPartition, list[ConsumerRecord]]:
        self.waits.append(timeout_ms)
        return self.answers.pop(0) if self.answers else {}

    def next_request(self) -> FetchPolicy:
        """The max wait and min bytes of the fetch request aiokafka would send next."""
        requests, *_ = self._fetcher._get_actions_per_node(self.assignment)
        ((_, request),) = requests
        return FetchPolicy(request._max_wait_ms, request._min_bytes)


@pytest.fixture
async def consumer() -> AsyncIterator[StartedConsumer]:
    built = make_consumer(SETTINGS, "g", "test")
    subscriptions = SubscriptionState()
    subscriptions.assign_from_user({PARTITION})
    # The fetcher as AIOKafkaConsumer.start() makes it, from the consumer's own settings.
    fetcher = KafkaFetcher(
        built._client,
        subscriptions,
        fetch_max_wait_ms=built._fetch_max_wait_ms,
        fetch_min_bytes=built._fetch_min_bytes,
    )
    await fetcher.close()  # its background task would try to send
    assignment = subscriptions.subscription.assignment
    assignment.state_value(PARTITION).seek(5)
    fetcher._select_read_replica = lambda tp: 1  # the leader, without metadata
    yield StartedConsumer(fetcher, assignment)
    await built._client.close()


def polling(consumer: StartedConsumer, idle_wait_ms: int = 1000) -> AdaptivePolling:
    return AdaptivePolling(consumer, busy_poll_ms=20, idle_wait_ms=idle_wait_ms)


def test_the_stack_idles_on_five_second_long_polls_and_batches_20_ms_for_64_kib() -> None:
    settings = Settings()

    assert (settings.consumer_fetch_wait_ms, settings.consumer_fetch_min_bytes) == BUSY
    assert settings.consumer_idle_fetch_wait_ms == 5000
    assert loop_settings(settings).idle_fetch_wait_ms == settings.consumer_idle_fetch_wait_ms


async def test_a_consumer_starts_batching(consumer: StartedConsumer) -> None:
    assert consumer.next_request() == BUSY
    assert polling(consumer).poll_timeout_ms == 20


async def test_after_an_empty_poll_the_next_fetch_waits_a_second_for_one_byte(
    consumer: StartedConsumer,
) -> None:
    adaptive = polling(consumer)

    adaptive.idle()

    assert consumer.next_request() == IDLE
    assert adaptive.poll_timeout_ms == IDLE_LOOP_WAKE_MS == 1000


async def test_an_idle_loop_wakes_each_second_to_see_a_stop_however_long_the_broker_holds(
    consumer: StartedConsumer,
) -> None:
    adaptive = polling(consumer, idle_wait_ms=5000)

    adaptive.idle()

    assert consumer.next_request() == FetchPolicy(5000, 1)
    assert adaptive.poll_timeout_ms == IDLE_LOOP_WAKE_MS


async def test_an_idle_loop_never_waits_longer_than_the_broker_may_hold_its_fetch(
    consumer: StartedConsumer,
) -> None:
    adaptive = polling(consumer, idle_wait_ms=300)

    adaptive.idle()

    assert consumer.next_request() == FetchPolicy(300, 1)
    assert adaptive.poll_timeout_ms == 300


async def test_records_switch_it_back_to_the_consumers_own_batching(
    consumer: StartedConsumer,
) -> None:
    adaptive = polling(consumer)
    adaptive.idle()

    adaptive.busy()

    assert consumer.next_request() == BUSY
    assert adaptive.poll_timeout_ms == 20
    adaptive.idle()
    assert consumer.next_request() == IDLE


async def test_idling_never_polls_more_often_than_working(consumer: StartedConsumer) -> None:
    adaptive = polling(consumer, idle_wait_ms=5)

    adaptive.idle()

    assert consumer.next_request() == FetchPolicy(20, 1)


async def test_a_consumer_not_yet_started_keeps_its_busy_setting() -> None:
    adaptive = AdaptivePolling(
        make_consumer(SETTINGS, "g", "test"), busy_poll_ms=20, idle_wait_ms=1000
    )

    adaptive.idle()

    assert not adaptive.is_idle
    assert adaptive.poll_timeout_ms == 20


async def test_the_loops_fetcher_long_polls_when_idle_and_batches_once_records_come(
    consumer: StartedConsumer,
) -> None:
    fetcher = Fetcher(
        consumer,  # type: ignore[arg-type]
        Decoder.for_service(SERVICE, NAMES, 1 << 20),
        SERVICE,
        max_batch=100,
        fetch_wait_ms=20,
        idle_fetch_wait_ms=1000,
        observer=Observer(),
    )

    nothing = await fetcher.next_batch()

    assert nothing.size == 0
    assert consumer.next_request() == IDLE
    value = registered()
    consumer.answers = [
        {PARTITION: [ConsumerRecord(TOPIC, 0, 5, 0, 0, b"k", value, None, 1, 9, [])]}
    ]

    batch = await fetcher.next_batch()

    assert batch.size == 1
    # The idle poll waited a second (the loop never waits longer, whatever the broker may
    # hold); then the batch took only what was buffered (0 ms), and the fetch after it
    # batches again.
    assert consumer.waits == [20, 1000, 0]
    assert consumer.next_request() == BUSY
