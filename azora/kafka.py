"""Kafka clients and topic look-ups, built from settings (nothing connects on import).

Creating and configuring the catalogue's topics is `azora.topic_setup`'s job."""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.helpers import create_ssl_context

from azora.partitioner import partition_for
from azora.settings import Settings

# A dead letter is the failed record plus headers, and a consumer takes records up to
# about 1 MiB (AZORA_CONSUMER_MAX_RECORD_BYTES): dead-letter topics, and producers, take
# twice that, so a dead letter always fits and never stalls the relay.
DLQ_MAX_MESSAGE_BYTES = 2 * 1024 * 1024 + 64 * 1024


@dataclass(frozen=True)
class KafkaSecurity:
    """How this deployment's Kafka clients secure their connections: TLS, SASL, both or none."""

    protocol: str
    ssl_context: ssl.SSLContext | None
    sasl_mechanism: str | None
    sasl_username: str | None
    sasl_password: str | None


def kafka_security(settings: Settings) -> KafkaSecurity:
    """TLS and SASL as the settings say: the one place they are derived, for every client."""
    protocol = settings.kafka_security_protocol
    sasl = protocol.startswith("SASL_")
    password = settings.kafka_sasl_password
    return KafkaSecurity(
        protocol=protocol,
        ssl_context=ssl_context(settings) if protocol in ("SSL", "SASL_SSL") else None,
        sasl_mechanism=settings.kafka_sasl_mechanism if sasl else None,
        sasl_username=settings.kafka_sasl_username if sasl else None,
        sasl_password=password.get_secret_value() if sasl and password else None,
    )


def security_kwargs(settings: Settings) -> dict[str, Any]:
    """aiokafka's transport-security arguments: TLS and SASL as the settings say."""
    security = kafka_security(settings)
    kwargs: dict[str, Any] = {"security_protocol": security.protocol}
    if security.ssl_context is not None:
        kwargs["ssl_context"] = security.ssl_context
    if security.sasl_mechanism is not None:
        kwargs |= {
            "sasl_mechanism": security.sasl_mechanism,
            "sasl_plain_username": security.sasl_username,
            "sasl_plain_password": security.sasl_password,
        }
    return kwargs


def client_kwargs(settings: Settings) -> dict[str, Any]:
    """What every Kafka client of this deployment is built with: brokers and security."""
    return {"bootstrap_servers": settings.kafka_bootstrap_servers, **security_kwargs(settings)}


def ssl_context(settings: Settings) -> ssl.SSLContext:
    """TLS that verifies the brokers (against the CA file, else the system's CAs)."""
    password = settings.kafka_ssl_key_password
    context: ssl.SSLContext = create_ssl_context(
        cafile=settings.kafka_ssl_cafile,
        certfile=settings.kafka_ssl_certfile,
        keyfile=settings.kafka_ssl_keyfile,
        # Never None: OpenSSL would prompt on the terminal for an encrypted key's password.
        password=password.get_secret_value() if password else _no_password,
    )
    return context


def _no_password() -> str:
    return ""


def make_producer(
    settings: Settings,
    client_id: str,
    *,
    linger_ms: int = 5,
    request_timeout_ms: int = 15_000,
    max_request_size: int = DLQ_MAX_MESSAGE_BYTES,
) -> AIOKafkaProducer:
    """An idempotent producer that waits for every in-sync replica (acks=all).

    Every producer of the deployment is built here; a caller tunes only how long a record
    may wait for company (`linger_ms`), how long a request may take, and how large it may be.
    """
    return AIOKafkaProducer(
        **client_kwargs(settings),
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=linger_ms,
        request_timeout_ms=request_timeout_ms,
        partitioner=partition_for,
        max_request_size=max_request_size,
    )


def make_consumer(settings: Settings, group: str, client_id: str) -> AIOKafkaConsumer:
    """A group consumer that never commits on its own: the loop decides what is done."""
    return AIOKafkaConsumer(
        **client_kwargs(settings),
        group_id=group,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=4 * 1024 * 1024,
        fetch_max_wait_ms=settings.consumer_fetch_wait_ms,
        fetch_min_bytes=settings.consumer_fetch_min_bytes,
        # How often aiokafka's fetch routine wakes when nothing happens (default 200 ms).
        # Everything that needs a fetch sent wakes it at once (a fetch answered, records
        # consumed, a seek, a rebalance), so this is only its safety net: five wakes a
        # second per consumer of an idle stack for nothing (`azora/consume/polling.py`).
        consumer_timeout_ms=1000,
        # Leave a slow batch (a retry storm) time before the group evicts this member.
        max_poll_interval_ms=600_000,
        session_timeout_ms=settings.consumer_session_timeout_ms,
        heartbeat_interval_ms=settings.consumer_heartbeat_ms,
    )


async def list_topics(settings: Settings) -> dict[str, int]:
    """Topic name → partition count, as the broker sees it."""
    admin = AIOKafkaAdminClient(**client_kwargs(settings))
    await admin.start()
    try:
        names = await admin.list_topics()
        described = await admin.describe_topics(list(names)) if names else []
    finally:
        await admin.close()
    return {d["topic"]: len(d["partitions"]) for d in described if not d["topic"].startswith("__")}


async def partitions_of(settings: Settings, topic: str) -> list[int]:
    """The partition numbers of `topic` (empty when it does not exist)."""
    return (await partitions(settings, [topic])).get(topic, [])


async def partitions(settings: Settings, topics: Sequence[str]) -> dict[str, list[int]]:
    """The partition numbers of each of `topics` that exists, asked in one request."""
    if not topics:
        return {}
    admin = AIOKafkaAdminClient(**client_kwargs(settings))
    await admin.start()
    try:
        described = await admin.describe_topics(list(topics))
    finally:
        await admin.close()
    return {
        d["topic"]: sorted(p["partition"] for p in d["partitions"])
        for d in described
        if d["error_code"] == 0
    }


async def delete_topics(settings: Settings, topics: list[str]) -> None:
    """Delete `topics` (tests clean up their private namespaces with this)."""
    admin = AIOKafkaAdminClient(**client_kwargs(settings))
    await admin.start()
    try:
        await admin.delete_topics(topics)
    finally:
        await admin.close()
