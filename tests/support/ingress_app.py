"""The ingress app in memory: a transport that records instead of publishing, no lifespan."""

from __future__ import annotations

from typing import Any

from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from azora.crypto import SecretBox
from azora.messages import OutgoingMessage
from azora.settings import Settings
from azora.topics import TopicNames
from producers.ingress.app import create_app
from producers.ingress.bus import Bus, Transport
from producers.ingress.context import IngressContext
from producers.ingress.passwords import Passwords
from producers.ingress.tokens import TokenService
from producers.ingress.transport import KafkaTransport, ingress_producer
from producers.ingress.waiter import CommandWaiter
from tests.support.key_store import memory_vault
from tests.support.secrets import random_sealing_key, random_webhook_secret


class RecordingTransport:
    """Keeps what would have gone to Kafka; `up=False` refuses like a broker that is down."""

    def __init__(self, up: bool = True) -> None:
        self.sent: list[OutgoingMessage] = []
        self.up = up

    async def send(self, message: OutgoingMessage) -> None:
        if not self.up:
            raise ConnectionError("broker down")
        self.sent.append(message)

    async def ping(self) -> bool:
        return self.up


def in_memory_client(
    transport: Transport, secret: str, *, fast_path: bool = True, **settings: Any
) -> TestClient:
    """A client on the ingress app whose lifespan never runs: no Kafka, no Postgres pool."""
    return TestClient(
        in_memory_app(transport, secret, fast_path=fast_path, **settings),
        raise_server_exceptions=False,
    )


def in_memory_app(
    transport: Transport, secret: str, *, fast_path: bool = True, **overrides: Any
) -> FastAPI:
    """The ingress app over `transport`, with cheap password hashing and no connections."""
    given: dict[str, Any] = {
        "stripe_webhook_secret": random_webhook_secret(),
        "payment_sealing_key": random_sealing_key(),
        **overrides,
    }
    settings = Settings(env="test", secret_key=secret, **given)
    ctx = IngressContext(
        settings=settings,
        bus=Bus(transport, TopicNames(), secret),
        tokens=TokenService(secret, 900, 3600),
        # Cheap hashing: these tests check the HTTP contract, not argon2's cost.
        passwords=Passwords(PasswordHasher(time_cost=1, memory_cost=8192)),
        secrets=SecretBox(secret),
        waiter=CommandWaiter(settings.database_url),
        asyncapi=dict,
        vault=memory_vault(),
    )
    kafka = KafkaTransport(lambda: ingress_producer(settings))  # never started: no lifespan
    return create_app(ctx, kafka, fast_path=fast_path)
