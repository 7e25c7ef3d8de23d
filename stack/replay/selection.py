"""Which topics an export reads: catalogue names under this deployment's prefix, or raw ones."""

from __future__ import annotations

from collections.abc import Sequence

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from azora.kafka import client_kwargs
from azora.settings import Settings
from azora.topics import TopicNames
from schemas.catalogue import BY_NAME, CATALOGUE


class MissingTopicsError(LookupError):
    """Topics asked for that the broker does not have."""


def select_topics(
    names: TopicNames,
    *,
    logical: Sequence[str] = (),
    every: bool = False,
    include_dlq: bool = False,
    raw: Sequence[str] = (),
) -> list[str]:
    """Physical topic names, in the order asked, each once (raises ValueError)."""
    unknown = [name for name in logical if name not in BY_NAME]
    if unknown:
        raise ValueError(
            f"not in the catalogue: {', '.join(unknown)} "
            "(use --raw-topic for a topic named as the broker names it)"
        )
    specs = list(CATALOGUE) if every else [BY_NAME[name] for name in logical]
    chosen: list[str] = []
    for spec in specs:
        chosen.append(names.physical(spec))
        if include_dlq:
            chosen.append(names.dlq(spec))
    chosen += raw
    if not chosen:
        raise ValueError("name what to export: --topic, --raw-topic or --all")
    return list(dict.fromkeys(chosen))


async def partitions_of(settings: Settings, topics: Sequence[str]) -> list[TopicPartition]:
    """Every partition of `topics` (raises MissingTopicsError naming any the broker lacks)."""
    admin = AIOKafkaAdminClient(**client_kwargs(settings), client_id="azora-replay")
    await admin.start()
    try:
        described = await admin.describe_topics(list(topics))
    finally:
        await admin.close()
    found = {
        d["topic"]: sorted(p["partition"] for p in d["partitions"])
        for d in described
        if d["error_code"] == 0
    }
    missing = [topic for topic in topics if topic not in found]
    if missing:
        raise MissingTopicsError(
            f"no such topic on the broker: {', '.join(missing)} "
            "(`azora topics apply` creates the catalogue's topics)"
        )
    return [TopicPartition(topic, p) for topic in topics for p in found[topic]]
