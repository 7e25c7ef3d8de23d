"""The ingress's Kafka side: a FastStream KafkaBroker, which also documents every topic."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from faststream.specification import AsyncAPI

from azora import kafka
from azora.kafka_errors import needs_new_producer
from azora.messages import OutgoingMessage
from azora.settings import Settings
from azora.topics import TopicNames
from schemas.catalogue import CATALOGUE

log = logging.getLogger(__name__)


def make_broker(settings: Settings) -> KafkaBroker:
    """A publishing broker: idempotent, acks=all, one per ingress process."""
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        security=broker_security(settings),
        client_id="azora-ingress",
        acks="all",
        enable_idempotence=True,
        linger_ms=2,
        request_timeout_ms=10_000,
        description="Azora's Kafka cluster",
    )


_SASL = {"PLAIN": SASLPlaintext, "SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}


def broker_security(settings: Settings) -> BaseSecurity | None:
    """FastStream's form of the TLS and SASL every aiokafka client gets from settings."""
    protocol = settings.kafka_security_protocol
    tls = protocol in ("SSL", "SASL_SSL")
    context = kafka.ssl_context(settings) if tls else None
    if protocol.startswith("SASL_"):
        password = settings.kafka_sasl_password
        return _SASL[settings.kafka_sasl_mechanism](
            settings.kafka_sasl_username or "",
            password.get_secret_value() if password else "",
            ssl_context=context,
            use_ssl=tls,
        )
    if tls:
        return BaseSecurity(ssl_context=context, use_ssl=True)
    return None


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
        self._reconnecting = asyncio.Lock()

    async def send(self, message: OutgoingMessage) -> None:
        """Publish and wait for acks=all."""
        headers = {key: value.decode() for key, value in message.headers}
        try:
            await self.broker.publish(
                message.value,
                topic=message.topic,
                key=message.key,
                headers=headers,
                correlation_id=headers.get("correlation_id"),
            )
        except Exception as exc:
            if needs_new_producer(exc):
                # This request still fails (503, the client retries); the next ones go
                # through a new producer instead of failing for ever.
                await self._reconnect()
            raise

    async def _reconnect(self) -> None:
        if self._reconnecting.locked():
            return  # another request is already at it
        async with self._reconnecting:
            log.warning("Kafka producer lost its sequence state; reconnecting the broker")
            await self.broker.stop()
            await self.broker.start()

    async def ping(self) -> bool:
        """Whether the broker answers within a couple of seconds."""
        try:
            return bool(await asyncio.wait_for(self.broker.ping(timeout=2.0), timeout=3.0))
        except Exception:
            return False
