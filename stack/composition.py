"""The composition root: the one place that builds brokers, pools and clients for each role."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaProducer
from pydantic import BaseModel

from azora import databases, tracing
from azora.consume.service import Service
from azora.consume.settings import LoopSettings
from azora.crypto import SecretBox
from azora.kafka import make_producer
from azora.messages import build_envelope, encode, message_key
from azora.personal.store import PooledKeyStore
from azora.personal.vault import Vault
from azora.settings import Settings
from azora.topics import TopicNames
from schemas.catalogue import spec_for

if TYPE_CHECKING:
    import stripe
    from fastapi import FastAPI

    from consumers.tutor.gateway import ModelGateway
    from consumers.tutor.quota import Quotas

# Each role imports only what it runs: a consumer process never loads the HTTP stack, the
# OpenAI or Stripe SDKs unless its own service needs them (a third of its memory).

log = logging.getLogger(__name__)


def names(settings: Settings) -> TopicNames:
    """Topic names for this deployment."""
    return TopicNames(settings.topic_prefix)


def secret_box(settings: Settings) -> SecretBox:
    """The box that seals TOTP secrets."""
    return SecretBox(settings.required_secret("secret_key"))


def personal_vault(settings: Settings) -> Vault:
    """Users' personal-data keys, wrapped by the deployment's master key, in the shared
    database (the pool opens on first use)."""
    return Vault(settings.master_key(), PooledKeyStore(settings.database_url))


def _identity(settings: Settings) -> list[Service]:
    from consumers.identity.service import make_identity

    return [make_identity(secret_box(settings), personal_vault(settings))]


def _learning(_: Settings) -> list[Service]:
    from consumers.learning.service import LEARNING

    return [LEARNING]


def _wallet(_: Settings) -> list[Service]:
    from consumers.wallet.service import WALLET

    return [WALLET]


def _payments(settings: Settings) -> list[Service]:
    from consumers.payments.gateway import StripeGateway
    from consumers.payments.service import make_payments

    return [make_payments(StripeGateway(stripe_client(settings)), settings.client_secret_seal())]


def _tutor(settings: Settings) -> list[Service]:
    from consumers.tutor.service import make_tutor

    return [make_tutor(tutor_model(settings), tutor_quotas(settings), personal_vault(settings))]


def _projections(settings: Settings) -> list[Service]:
    from consumers.projections import projections_service

    return [projections_service(personal_vault(settings))]


ROLES: dict[str, Callable[[Settings], list[Service]]] = {
    "identity": _identity,
    "learning": _learning,
    "wallet": _wallet,
    "payments": _payments,
    "tutor": _tutor,
    "projections": _projections,
}


def services_for(settings: Settings, role: str) -> list[Service]:
    """The consumer groups `azora consume <role>` runs (KeyError for an unknown role)."""
    return ROLES[role](settings)


def services(settings: Settings) -> dict[str, list[Service]]:
    """Every consuming role and its consumer groups."""
    return {role: build(settings) for role, build in ROLES.items()}


def projections(settings: Settings) -> dict[str, Service]:
    """Every projection by name (what `azora projections rebuild` can rebuild)."""
    from consumers.projections import projections as every_projection

    return {p.name: p for p in every_projection(personal_vault(settings))}


def stripe_client(settings: Settings) -> stripe.StripeClient | None:
    """The official Stripe SDK client (None when no key is configured)."""
    from consumers.payments.gateway import make_client

    key = settings.stripe_api_key.get_secret_value() if settings.stripe_api_key else None
    return make_client(key, settings.stripe_api_base, settings.stripe_timeout_s)


def tutor_quotas(settings: Settings) -> Quotas:
    """Each user's hourly quotas, as the tutor service enforces them."""
    from consumers.tutor.quota import Quotas

    return Quotas(settings.tutor_questions_per_hour, settings.tutor_paths_per_hour)


def tutor_model(settings: Settings) -> ModelGateway:
    """The tutor's model gateway (no client without an API key)."""
    from consumers.tutor.gateway import ModelGateway
    from consumers.tutor.gateway import make_client as make_openai

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return ModelGateway(
        make_openai(key, settings.openai_base_url, settings.openai_timeout_s),
        settings.openai_model,
        max_attempts=settings.tutor_max_attempts,
        retry_after_cap_s=settings.tutor_retry_after_cap_s,
    )


def start_tracing(settings: Settings, service: str) -> None:
    """Export this process's spans over OTLP when an endpoint is configured."""
    if tracing.configure(f"azora-{service}", settings.otel_exporter_otlp_endpoint):
        log.info("tracing: spans go to %s", settings.otel_exporter_otlp_endpoint)


def ingress_app(settings: Settings) -> FastAPI:
    """The HTTP ingress with everything it needs."""
    from producers.ingress.app import create_app
    from producers.ingress.bus import Bus
    from producers.ingress.context import IngressContext
    from producers.ingress.oidc.registry import OidcSignIn
    from producers.ingress.passwords import Passwords
    from producers.ingress.throttle import LoginThrottle, RegistrationThrottle
    from producers.ingress.tokens import TokenService
    from producers.ingress.transport import KafkaTransport, ingress_producer
    from producers.ingress.waiter import CommandWaiter

    topic_names = names(settings)
    kafka = KafkaTransport(lambda: ingress_producer(settings))
    secret = settings.required_secret("secret_key")
    # Checked at start: without it every webhook would be refused, silently to the user.
    settings.required_secret("stripe_webhook_secret")
    # And without this, no payer could be shown the client secret to pay with.
    settings.client_secret_seal()
    ctx = IngressContext(
        settings=settings,
        bus=Bus(kafka, topic_names, secret),
        tokens=TokenService(secret, settings.access_token_ttl_s, settings.refresh_token_ttl_s),
        passwords=Passwords(),
        secrets=secret_box(settings),
        waiter=CommandWaiter(databases.url_for(settings, "ingress")),
        asyncapi=asyncapi(settings, topic_names),
        vault=personal_vault(settings),
        logins=LoginThrottle(
            max_failures=settings.login_max_failures,
            max_failures_per_address=settings.login_max_failures_per_address,
            window_s=settings.login_failure_window_s,
            lockout_s=settings.login_lockout_s,
        ),
        registrations=RegistrationThrottle(
            max_per_address=settings.registration_max_per_address,
            window_s=settings.registration_window_s,
            per_second=settings.registrations_per_second,
            burst=settings.registration_burst,
        ),
        oidc=OidcSignIn(settings, secret) if settings.oidc_providers else None,
    )
    return create_app(ctx, kafka)


def asyncapi(settings: Settings, topic_names: TopicNames) -> Callable[[], dict[str, Any]]:
    """The topics' AsyncAPI document, built (and FastStream imported) on first request."""

    @functools.cache
    def document() -> dict[str, Any]:
        # Here, not at start: 11 MiB resident that most ingress processes never use.
        from producers.ingress.asyncapi import asyncapi_document, make_broker

        return asyncapi_document(make_broker(settings), topic_names)

    return document


def loop_settings(settings: Settings) -> LoopSettings:
    """Consume-loop knobs from settings."""
    return LoopSettings(
        max_batch=settings.consumer_max_batch,
        fetch_wait_ms=settings.consumer_fetch_wait_ms,
        idle_fetch_wait_ms=settings.consumer_idle_fetch_wait_ms,
        max_attempts=settings.consumer_max_attempts,
        max_record_bytes=settings.consumer_max_record_bytes,
        kafka_commit_interval_s=settings.consumer_kafka_commit_interval_s,
        backoff_initial_s=settings.retry_backoff_initial_s,
        backoff_max_s=settings.retry_backoff_max_s,
        # A third of the session timeout (aiokafka's rebalance timeout): the member notices
        # a rebalance up to a heartbeat late and still has time to rejoin after waiting.
        revoke_wait_s=settings.consumer_session_timeout_ms / 3000,
    )


async def started_producer(settings: Settings, client_id: str) -> AIOKafkaProducer:
    """A connected producer (a failed start leaves nothing open)."""
    producer = make_producer(settings, client_id)
    try:
        await producer.start()
    except BaseException:
        await producer.stop()
        raise
    return producer


async def publish(settings: Settings, payload: BaseModel, *, actor: str) -> None:
    """Publish one fact from a command-line tool and wait for the broker's ack."""
    spec = spec_for(payload)
    message = encode(
        spec,
        build_envelope(spec, payload, actor=actor),
        message_key(spec, payload),
        names(settings),
    )
    producer = await started_producer(settings, "azora-cli")
    try:
        await producer.send_and_wait(
            message.topic, message.value, key=message.key, headers=list(message.headers)
        )
    finally:
        await producer.stop()
