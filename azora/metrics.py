"""Prometheus metrics shared by every process (one registry, names in one place)."""

from __future__ import annotations

from collections import Counter as Tally
from typing import TYPE_CHECKING

from prometheus_client import Counter, Gauge, Histogram

from azora.consume.dead_letters import origin_topic
from azora.consume.observation import BatchOutcome, Observer

if TYPE_CHECKING:
    from azora.consume.batch import Batch
    from azora.consume.service import RawRecord
    from schemas.catalogue import TopicSpec

EVENTS = Counter(
    "azora_consumer_events_total",
    "Events seen by a consumer group, by outcome "
    "(applied, ignored, duplicate, dead_lettered, skipped).",
    ["group", "topic", "outcome"],
)
BATCH_SIZE = Histogram(
    "azora_consumer_batch_size",
    "Records per processed batch.",
    ["group"],
    buckets=(1, 5, 10, 50, 100, 250, 500, 1000, 2500),
)
BATCH_SECONDS = Histogram(
    "azora_consumer_batch_seconds",
    "Time to apply one batch in its database transaction.",
    ["group"],
)
HANDLER_SECONDS = Histogram(
    "azora_consumer_handler_seconds",
    "Time spent in a topic's handler for one batch.",
    ["group", "topic"],
)
RETRIES = Counter(
    "azora_consumer_retries_total",
    "Batches retried, by kind of error (transient, handler).",
    ["group", "kind"],
)
DEAD_LETTERS = Counter(
    "azora_consumer_dead_letters_total",
    "Records sent to a dead-letter topic, by the topic they failed on.",
    ["group", "topic"],
)
# By database (`host:port/name`): one relay process publishes the outbox of each.
OUTBOX_SENT = Counter(
    "azora_outbox_sent_total", "Outbox records published by the relay.", ["database"]
)
OUTBOX_DEPTH = Gauge(
    "azora_outbox_depth", "Outbox records waiting after the relay's last pass.", ["database"]
)
OUTBOX_PARKED = Counter(
    "azora_outbox_parked_total",
    "Outbox records the broker can never take, moved to azora.outbox_parked.",
    ["database"],
)
OUTBOX_DELAY = Histogram(
    "azora_outbox_relay_delay_seconds",
    "From an outbox row's insert to the broker's ack.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class ConsumerMetrics(Observer):
    """The consume loop's figures for one consumer group, recorded per batch."""

    def __init__(self, group: str) -> None:
        self._group = group

    def applying(self, batch: Batch) -> None:
        BATCH_SIZE.labels(self._group).observe(batch.size)

    def handled(self, spec: TopicSpec, seconds: float) -> None:
        HANDLER_SECONDS.labels(self._group, spec.name).observe(seconds)

    def retrying(self, kind: str) -> None:
        RETRIES.labels(self._group, kind).inc()

    def committed(self, batch: Batch, outcome: BatchOutcome, seconds: float, attempt: int) -> None:
        group = self._group
        BATCH_SECONDS.labels(group).observe(seconds)
        for topic, count in Tally(record.topic for record in outcome.raw).items():
            EVENTS.labels(group, topic, "applied").inc(count)
        applied = Tally(event.topic for event in outcome.applied)
        ignored = Tally(event.topic for event in batch.ignored)
        seen = Tally(event.topic for event in batch.events)
        for topic, count in seen.items():
            EVENTS.labels(group, topic, "applied").inc(applied[topic])
            EVENTS.labels(group, topic, "ignored").inc(ignored[topic])
            duplicates = count - applied[topic] - ignored[topic]
            EVENTS.labels(group, topic, "duplicate").inc(duplicates)
        for message in outcome.dead:
            # Counted under the topic the record failed on, like its other outcomes.
            topic = origin_topic(message)
            DEAD_LETTERS.labels(group, topic).inc()
            EVENTS.labels(group, topic, "dead_lettered").inc()

    def skipped(self, record: RawRecord) -> None:
        EVENTS.labels(self._group, record.topic, "skipped").inc()
