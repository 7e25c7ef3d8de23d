"""Settings for every Azora process, from the environment (prefix `AZORA_`)."""

from __future__ import annotations

from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Only development may run on this well-known value; everything else must set its own.
DEVELOPMENT_SECRET = "azora-development-secret-do-not-use-in-production"
DEVELOPMENT_WEBHOOK_SECRET = "whsec_azora_development_only"


class Settings(BaseSettings):
    """Everything a process needs to know about its surroundings."""

    model_config = SettingsConfigDict(env_prefix="AZORA_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:19092",
        validation_alias=AliasChoices("AZORA_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"),
    )
    # Prepended to every physical topic name: lets tests (or tenants) run an isolated world.
    topic_prefix: str = Field(default="", pattern=r"^[a-zA-Z0-9._-]*$")
    database_url: str = Field(
        default="postgresql://azora@127.0.0.1:54329/azora",
        validation_alias=AliasChoices("AZORA_DATABASE_URL", "DATABASE_URL"),
    )
    db_pool_max: int = 10
    # Postgres TLS, named as libpq names it. Folded into the DSN's query, where asyncpg
    # reads it for every pool and connection (and migrations). Unset: asyncpg's default,
    # `prefer`, which never verifies the server: set `verify-full` in production.
    database_sslmode: (
        Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] | None
    ) = None
    database_sslrootcert: str | None = None  # CA file the server's certificate must chain to
    database_sslcert: str | None = None  # client certificate, when the server asks for one
    database_sslkey: str | None = None

    # Kafka transport security, for every client: producers, consumers, admin clients and
    # the ingress's FastStream broker (`azora.kafka.client_kwargs`). TLS verifies the
    # brokers against `kafka_ssl_cafile`, or the system's CAs when it is unset.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "PLAIN"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = None
    kafka_ssl_certfile: str | None = None  # client certificate (mutual TLS)
    kafka_ssl_keyfile: str | None = None
    kafka_ssl_key_password: SecretStr | None = None

    # Stripe: without a key, payments fail with "no payment provider configured". The API
    # base points the official SDK at stripe-mock in development and tests.
    stripe_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("AZORA_STRIPE_API_KEY", "STRIPE_API_KEY")
    )
    stripe_api_base: str | None = None
    stripe_webhook_secret: SecretStr = SecretStr(DEVELOPMENT_WEBHOOK_SECRET)
    stripe_webhook_tolerance_s: int = 300
    stripe_timeout_s: float = 10.0

    # The tutor: any OpenAI-compatible server (OpenAI, vLLM, Ollama) through its base URL.
    # Without a key every question fails with "no model provider configured".
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("AZORA_OPENAI_API_KEY", "OPENAI_API_KEY")
    )
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_timeout_s: float = Field(default=30.0, gt=0)
    # Calls per question before giving up (429s wait for Retry-After, capped).
    tutor_max_attempts: int = Field(default=3, ge=1)
    tutor_retry_after_cap_s: float = 30.0
    tutor_questions_per_hour: int = Field(default=30, ge=1)

    # Where a consumer or relay process serves /metrics (0: not served). `azora run` gives
    # each child its own port from AZORA_METRICS_PORT_BASE upwards.
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=0, ge=0, le=65535)
    metrics_port_base: int = Field(default=9101, ge=1, le=65000)

    # The lag exporter: how often it samples, how many samples a status is judged over,
    # which groups it watches (a regex; default: every group of this topic prefix), and
    # the port of its /metrics when AZORA_METRICS_PORT is not set.
    lag_poll_interval_s: float = Field(default=5.0, gt=0)
    lag_window: int = Field(default=10, ge=2)
    lag_groups: str | None = None
    lag_exporter_port: int = Field(default=9100, ge=1, le=65535)

    # Traces go over OTLP/HTTP to this collector (e.g. http://otel-collector:4318); unset,
    # no spans are made at all.
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "AZORA_OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"
        ),
    )

    ingress_host: str = "127.0.0.1"
    ingress_port: int = 8000

    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    access_token_ttl_s: int = Field(default=900, ge=30)
    refresh_token_ttl_s: int = Field(default=30 * 24 * 3600, ge=60)
    # Login throttling, per ingress replica (`producers/ingress/throttle.py` says why): this
    # many failed logins for one email within the window lock it for the lockout; an address
    # gets a larger allowance, since many people may share one (an office, a NAT).
    login_max_failures: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=50, ge=1)
    login_failure_window_s: float = Field(default=900.0, gt=0)
    login_lockout_s: float = Field(default=900.0, gt=0)

    consumer_max_batch: int = Field(default=1000, ge=1)
    # The broker holds a fetch until this many bytes are there or the wait is up. A fetch
    # per record (min 1 byte) costs the broker, the client and Postgres (a transaction per
    # tiny batch) so much that at 500 commands/s two cores saturate and latency queues up;
    # a 20 ms wait per hop batches records and keeps p99 lower than answering at once.
    consumer_fetch_wait_ms: int = Field(default=20, ge=0)
    consumer_fetch_min_bytes: int = Field(default=64 * 1024, ge=1)
    # Handler errors that are neither transient nor permanent get this many tries, then the DLQ.
    consumer_max_attempts: int = Field(default=5, ge=1)
    # A record body larger than this is dead-lettered without being decoded.
    consumer_max_record_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Offsets go to Kafka (for its lag tools; Postgres holds the truth) at most this often.
    consumer_kafka_commit_interval_s: float = Field(default=1.0, ge=0)
    retry_backoff_initial_s: float = 0.2
    retry_backoff_max_s: float = 30.0
    # How fast the group notices a dead member (a SIGKILLed consumer) and rebalances.
    consumer_session_timeout_ms: int = Field(default=30_000, ge=6_000)
    consumer_heartbeat_ms: int = Field(default=3_000, ge=100)
    # How long an event id stays in a consumer's inbox. A duplicate published later than
    # this (a relay re-send comes within seconds, a client retry within hours) is applied.
    inbox_retention_s: int = Field(default=7 * 24 * 3600, ge=3600)
    relay_batch: int = Field(default=1000, ge=1)

    @model_validator(mode="after")
    def _refuse_default_secrets_outside_development(self) -> Settings:
        if self.env != "development" and self.secret_key.get_secret_value().strip() in (
            DEVELOPMENT_SECRET,
            "",
        ):
            raise ValueError(
                "AZORA_SECRET_KEY must be set to a private value outside development mode"
            )
        if self.env != "development" and self.stripe_webhook_secret.get_secret_value().strip() in (
            DEVELOPMENT_WEBHOOK_SECRET,
            "",
        ):
            raise ValueError(
                "AZORA_STRIPE_WEBHOOK_SECRET must be set (Stripe's signing secret) outside "
                "development mode"
            )
        if self.env != "development" and len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("AZORA_SECRET_KEY must be at least 32 characters")
        return self

    @model_validator(mode="after")
    def _refuse_sasl_without_credentials(self) -> Settings:
        # Never works, in any mode: say so at start rather than at the first connection.
        password = self.kafka_sasl_password.get_secret_value() if self.kafka_sasl_password else ""
        if self.kafka_security_protocol.startswith("SASL_") and not (
            self.kafka_sasl_username and password
        ):
            raise ValueError(
                f"AZORA_KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} needs "
                "AZORA_KAFKA_SASL_USERNAME and AZORA_KAFKA_SASL_PASSWORD"
            )
        return self

    @model_validator(mode="after")
    def _database_tls_in_the_dsn(self) -> Settings:
        wanted = {
            "sslmode": self.database_sslmode,
            "sslrootcert": self.database_sslrootcert,
            "sslcert": self.database_sslcert,
            "sslkey": self.database_sslkey,
        }
        self.database_url = with_query(
            self.database_url, {k: v for k, v in wanted.items() if v is not None}
        )
        return self


def with_query(dsn: str, params: dict[str, str]) -> str:
    """`dsn` with `params` in its query; a different value already there is a conflict."""
    if not params:
        return dsn
    parts = urlsplit(dsn)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for name, value in params.items():
        if query.get(name, value) != value:
            raise ValueError(
                f"the database URL says {name}={query[name]} but AZORA_DATABASE_"
                f"{name.upper()} says {value}"
            )
        query[name] = value
    return urlunsplit(parts._replace(query=urlencode(query, safe="/")))
