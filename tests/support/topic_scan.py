"""Every record of a set of topics, read from the beginning, searched for secrets in clear.

One consumer, without a group, is assigned every partition of every topic and reads up to
the end offsets it saw when it started. A secret counts as found in a record's key, value or
any header value, spelled as it was used or as JSON escapes it inside a string.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from azora import kafka
from azora.settings import Settings


@dataclass(frozen=True)
class Finding:
    """A secret of `kind` in clear at `topic` `partition`/`offset` (in its `part`)."""

    topic: str
    partition: int
    offset: int
    part: str
    kind: str

    def __str__(self) -> str:
        return f"{self.kind} in {self.topic}[{self.partition}]@{self.offset} ({self.part})"


@dataclass(frozen=True)
class Scan:
    """What a scan read, and what it found."""

    records: int
    topics_with_records: frozenset[str]
    findings: list[Finding]


def spellings(secrets: Mapping[str, str]) -> dict[bytes, str]:
    """Each secret's bytes as used and as JSON writes it inside a string, with its kind."""
    found: dict[bytes, str] = {}
    for value, kind in secrets.items():
        found.setdefault(value.encode(), kind)
        found.setdefault(json.dumps(value)[1:-1].encode(), kind)
    return found


def findings_in(record: ConsumerRecord, needles: Mapping[bytes, str]) -> list[Finding]:
    """Every secret of `needles` a record holds, once per kind and part."""
    parts = [("key", record.key or b""), ("value", record.value or b"")]
    parts += [(f"header {name}", value or b"") for name, value in record.headers or ()]
    found: dict[tuple[str, str], Finding] = {}
    for part, data in parts:
        for needle, kind in needles.items():
            if needle in data:
                found.setdefault(
                    (part, kind),
                    Finding(record.topic, record.partition, record.offset, part, kind),
                )
    return list(found.values())


async def scan(
    settings: Settings, topics: Sequence[str], secrets: Mapping[str, str], timeout: float = 300
) -> Scan:
    """Read every record of `topics` and return where each secret of `secrets` appears."""
    needles = spellings(secrets)
    tps = [
        TopicPartition(topic, partition)
        for topic in topics
        for partition in await kafka.partitions_of(settings, topic)
    ]
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        enable_auto_commit=False,
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    await consumer.start()
    records = 0
    seen: set[str] = set()
    findings: list[Finding] = []
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        async with asyncio.timeout(timeout):
            while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
                for batch in (await consumer.getmany(timeout_ms=1000)).values():
                    for record in batch:
                        records += 1
                        seen.add(record.topic)
                        findings += findings_in(record, needles)
    finally:
        await consumer.stop()
    return Scan(records, frozenset(seen), findings)
