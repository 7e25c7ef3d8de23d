"""Records as Kafka hands them over, decoded into a `Batch` of events."""

from __future__ import annotations

from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from azora.consume.batch import Batch
from azora.consume.dead_letters import failed_record
from azora.consume.service import RawRecord, Service
from azora.messages import DecodeError, Event, decode
from azora.topics import TopicNames
from schemas.catalogue import TopicSpec


class Decoder:
    """Decodes fetched records of one service's topics; its dead-letter topics' stay raw."""

    def __init__(self, by_topic: dict[str, TopicSpec], max_record_bytes: int) -> None:
        self._by_topic = by_topic
        self._limit = max_record_bytes

    @classmethod
    def for_service(cls, service: Service, names: TopicNames, max_record_bytes: int) -> Decoder:
        """A decoder of `service`'s topics as `names` spells them on the broker."""
        return cls({names.physical(spec): spec for spec in service.topics}, max_record_bytes)

    def decode(self, fetched: dict[TopicPartition, list[ConsumerRecord]]) -> Batch:
        """The batch of `fetched`: events, undecodable records with why, raw records."""
        batch = Batch()
        limit = self._limit
        for tp, records in fetched.items():
            spec = self._by_topic.get(tp.topic)
            if spec is None:
                # A dead-letter topic: its records go to their handler as they are.
                batch.raw += [_raw(record) for record in records]
                if records:
                    batch.next_offsets[(tp.topic, tp.partition)] = records[-1].offset + 1
                continue
            batch.record_count += len(records)
            for record in records:
                headers = tuple(record.headers or ())
                if record.value is not None and len(record.value) > limit:
                    reason = f"record of {len(record.value)} bytes exceeds the limit of {limit}"
                    batch.failed.append((failed_record(record), reason))
                    continue
                try:
                    envelope, payload = decode(spec, record.value)
                except DecodeError as exc:
                    batch.failed.append((failed_record(record), str(exc)))
                    continue
                # Positional: a third cheaper than keywords, once per event.
                batch.events.append(
                    Event(
                        spec,
                        envelope,
                        payload,
                        tp.topic,
                        tp.partition,
                        record.offset,
                        headers,
                        record.key,
                        record.value,
                    )
                )
            if records:
                batch.next_offsets[(tp.topic, tp.partition)] = records[-1].offset + 1
        return batch


def _raw(record: ConsumerRecord) -> RawRecord:
    return RawRecord(
        record.topic,
        record.partition,
        record.offset,
        record.timestamp,
        record.key,
        record.value,
        tuple(record.headers or ()),
    )
