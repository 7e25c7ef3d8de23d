"""The consume loop's metrics count a dead letter under the topic its record failed on, as
every other outcome of that topic is counted (the dead-letter alert names that topic)."""

from __future__ import annotations

import uuid

from prometheus_client import REGISTRY

from azora.consume.batch import Batch
from azora.consume.dead_letters import FailedRecord, dead_letter
from azora.consume.observation import BatchOutcome
from azora.metrics import ConsumerMetrics
from azora.topics import TopicNames
from schemas import catalogue

NAMES = TopicNames("t.")
SPEC = catalogue.COURSE_PUBLISH_REQUESTED


def count(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_dead_letter_is_counted_under_the_topic_its_record_failed_on() -> None:
    group = f"g-{uuid.uuid4().hex[:8]}"
    topic, dlq = NAMES.physical(SPEC), NAMES.dlq(SPEC)
    record = FailedRecord(topic, 1, 7, b"k", b"not an event", ())
    letter = dead_letter(record, dlq_topic=dlq, group=group, error="x", kind="decode", attempts=1)

    ConsumerMetrics(group).committed(Batch(), BatchOutcome([], [letter], [], []), 0.01, 1)

    assert count("azora_consumer_dead_letters_total", group=group, topic=topic) == 1
    assert (
        count("azora_consumer_events_total", group=group, topic=topic, outcome="dead_lettered") == 1
    )
    assert count("azora_consumer_dead_letters_total", group=group, topic=dlq) == 0
