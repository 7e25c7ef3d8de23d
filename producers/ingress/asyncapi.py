"""The AsyncAPI document of every topic, described by FastStream's broker (never connected).

The composition root imports this module on the first request for the document, not at
start: FastStream and the document cost the ingress about 11 MiB of resident memory that
most of its processes would never use (bench/profiled.md, "Memory").
"""

from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from faststream.specification import AsyncAPI

from azora import kafka
from azora.settings import Settings
from azora.topics import TopicNames
from producers.ingress.transport import CLIENT_ID, LINGER_MS, REQUEST_TIMEOUT_MS
from schemas.catalogue import CATALOGUE


def make_broker(settings: Settings) -> KafkaBroker:
    """FastStream's view of the cluster, for the AsyncAPI document (never connected)."""
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        security=broker_security(settings),
        client_id=CLIENT_ID,
        acks="all",
        enable_idempotence=True,
        linger_ms=LINGER_MS,
        request_timeout_ms=REQUEST_TIMEOUT_MS,
        description="Azora's Kafka cluster",
    )


_SASL = {"PLAIN": SASLPlaintext, "SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}


def broker_security(settings: Settings) -> BaseSecurity | None:
    """FastStream's form of the TLS and SASL every aiokafka client gets (`kafka_security`)."""
    security = kafka.kafka_security(settings)
    tls = security.ssl_context is not None
    if security.sasl_mechanism is not None:
        return _SASL[security.sasl_mechanism](
            security.sasl_username or "",
            security.sasl_password or "",
            ssl_context=security.ssl_context,
            use_ssl=tls,
        )
    if tls:
        return BaseSecurity(ssl_context=security.ssl_context, use_ssl=True)
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
