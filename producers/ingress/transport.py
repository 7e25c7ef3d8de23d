"""The ingress's Kafka side: a FastStream KafkaBroker, which also documents every topic."""

from __future__ import annotations

import asyncio
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI

from azora.messages import OutgoingMessage
from azora.settings import Settings
from azora.topics import TopicNames
from schemas.catalogue import CATALOGUE


def make_broker(settings: Settings) -> KafkaBroker:
    """A publishing broker: idempotent, acks=all, one per ingress process."""
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id="azora-ingress",
        acks="all",
        enable_idempotence=True,
        linger_ms=2,
        request_timeout_ms=10_000,
        description="Azora's Kafka cluster",
    )


def asyncapi_document(broker: KafkaBroker, names: TopicNames) -> dict[str, Any]:
    """The AsyncAPI document of every catalogue topic, with its model as the message schema."""
    for spec in CATALOGUE:
        broker.publisher(
            names.physical(spec),
            title=spec.name,
            description=f"{spec.description} Key: {spec.key_field}.",
            schema=spec.model,
        )
    specification = AsyncAPI(broker, title="Azora", version="1", schema_version="3.0.0")
    document: dict[str, Any] = specification.to_specification().to_jsonable()
    return document


class KafkaTransport:
    """Sends records through the broker and waits for the acknowledgement."""

    def __init__(self, broker: KafkaBroker) -> None:
        self.broker = broker

    async def send(self, message: OutgoingMessage) -> None:
        """Publish and wait for acks=all."""
        headers = {key: value.decode() for key, value in message.headers}
        await self.broker.publish(
            message.value,
            topic=message.topic,
            key=message.key,
            headers=headers,
            correlation_id=headers.get("correlation_id"),
        )

    async def ping(self) -> bool:
        """Whether the broker answers within a couple of seconds."""
        try:
            return bool(await asyncio.wait_for(self.broker.ping(timeout=2.0), timeout=3.0))
        except Exception:
            return False
