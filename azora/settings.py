"""Settings for every Azora process, from the environment (prefix `AZORA_`)."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import AliasChoices, Field, IPvAnyNetwork, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from azora.oidc_settings import PROVIDER_NAME, HttpUrl, OidcProvider, return_url_problem
from azora.personal_settings import PersonalDataSettings

# SHA-256 digests of every secret value this repository's source has ever spelled out
# (git history keeps them, so anyone can sign with them): refused in every mode. `make run`
# generates its own random development secrets instead (`infra/dev-secrets.sh`).
PUBLISHED_SECRET_DIGESTS = frozenset(
    {
        "b3e850e3f0693ff9e1cc0d7d13c8ec8b05b4969fd44db855917e41163ace36c3",
        "6613f1dfc37775795f8d41564ee2c52d346383e0e598a98b0a985a4ae109e07f",
        "507eb3cf37df0b15621824d0ffcf14dc79e1c79820bfb0af7d87a1ff2ad92073",
        "e342d7c15a2caea27d2c0d26b289e4d8d7a5817a8ec02e1a83aa9d774037b4f1",
        "e3cbacc77051a0cd5d7a6f0dd15ed85177787807a5457142ea5963b1db62648a",
        "ffec3954b1792eb7ef7ac59ce3947c478403dd754c656d869128f6b3e73cfd27",
        "ed41f4358672f9c4b4548f80d303a46c1ad7e234288ebff175238913830aa9ab",
        "c2e72c99b189a5d6726922b47d54f4d6cb71d7ab6a8f752c16cb4218ebf4bb79",
        "bd913ff68243d41b9611b2690dfbf2b0f6e42ea14536a98232af60e9f64ffdaa",
        "dc4c5d17d972b66638dd360cf701ca3d0d7ef3b06c5156cd4de5da931555d567",
        "609b97b03239401be8235dd68f4a53ea4e32183a775fb958b1c745e173586d73",
        "7896598e5681eea76df3dfa29dbc63cd44bc307a850a68c8fab4fe5d5df67ed8",
    }
)
MIN_SECRET_KEY_LENGTH = 32
ORIGIN = re.compile(r"https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?")
# A long value of a few repeated characters ("x" * 40) is no secret either.
MIN_DISTINCT_CHARACTERS = 8
SecretName = Literal["secret_key", "stripe_webhook_secret", "personal_data_key"]
# Who may be given a Postgres database of its own: every service, the projections, and the
# ingress's read side (`azora.databases` says which database each one uses).
DATABASE_OWNERS = (
    "identity",
    "learning",
    "payments",
    "wallet",
    "tutor",
    "projections",
    "ingress",
)


class Settings(PersonalDataSettings, BaseSettings):
    """Everything a process needs to know about its surroundings."""

    # `__` nests: AZORA_OIDC_PROVIDERS__GOOGLE__CLIENT_ID is oidc_providers["google"].client_id.
    model_config = SettingsConfigDict(
        env_prefix="AZORA_", extra="ignore", env_nested_delimiter="__"
    )

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
    # A database of its own for a service, the projections, or the ingress's read side
    # (AZORA_<OWNER>_DATABASE_URL); unset, the owner uses DATABASE_URL (`azora.databases`).
    identity_database_url: str | None = None
    learning_database_url: str | None = None
    payments_database_url: str | None = None
    wallet_database_url: str | None = None
    tutor_database_url: str | None = None
    projections_database_url: str | None = None
    ingress_database_url: str | None = None
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
    # Stripe's signing secret for webhooks (`whsec_...`); only the ingress needs it.
    stripe_webhook_secret: SecretStr | None = None
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
    # Per user, counted by the tutor service where it admits each command (not in a read
    # model): past the limit a question or path is rejected with the reason.
    tutor_questions_per_hour: int = Field(default=30, ge=1)
    tutor_paths_per_hour: int = Field(default=10, ge=1)

    # Log lines (azora/logs.py): from this level up, as JSON objects one a line (for Loki,
    # Elasticsearch, `jq`) or as text for a person at a terminal; `log_access` adds a line
    # per HTTP request at the ingress (method, route template, status, duration).
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["json", "text"] = "json"
    log_access: bool = False

    # Where a consumer or relay process serves /metrics (0: not served). `azora run` gives
    # each child its own port from AZORA_METRICS_PORT_BASE upwards.
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=0, ge=0, le=65535)
    metrics_port_base: int = Field(default=9101, ge=1, le=65000)
    # Where a consumer, the relay or the lag exporter answers /healthz and /readyz (0: not
    # served), apart from /metrics; `azora run` numbers its children's ports from the base.
    health_host: str = "127.0.0.1"
    health_port: int = Field(default=0, ge=0, le=65535)
    health_port_base: int = Field(default=9201, ge=1, le=65000)
    # A loop silent for longer than this (no poll, no batch begun or committed, no retry) is
    # wedged: /healthz answers 503. Longer than the slowest batch (the tutor's model calls
    # run one after another) and than the retry backoff; shorter than the 10 minutes after
    # which Kafka evicts a member that stopped polling.
    health_deadline_s: float = Field(default=300.0, gt=0)

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
    # Request bodies, refused with 413 while they are read (`producers/ingress/body_limits.py`).
    # 1 MiB: the largest record a consumer decodes (`consumer_max_record_bytes`), so a larger
    # command could not be carried anyway. Stripe's webhook events are republished whole in a
    # Kafka record and are at most a few hundred KB: half a MiB leaves the envelope room.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    webhook_max_body_bytes: int = Field(default=512 * 1024, ge=1024)
    # JSON bodies nested deeper than this are refused with 422 before they are parsed. Azora's
    # requests nest 4 deep, Stripe's events about 10; the parser's own limit is ~1000.
    max_json_depth: int = Field(default=32, ge=4, le=500)
    # Proxies whose X-Forwarded-For is believed (CIDRs, comma-separated). Empty: the socket's
    # peer is the client, whatever headers it sends (`producers/ingress/client_address.py`).
    trusted_proxies: Annotated[tuple[IPvAnyNetwork, ...], NoDecode] = ()
    # Browser apps on these origins may call the API (CORS; comma-separated, each
    # `scheme://host[:port]`). Empty, the default: no CORS headers at all, so browsers keep
    # other origins out. Credentials (cookies) are off unless asked for: the API takes
    # bearer tokens in a header, which needs none.
    cors_allow_origins: Annotated[tuple[str, ...], NoDecode] = ()
    cors_allow_credentials: bool = False
    cors_max_age_s: int = Field(default=600, ge=0, le=86_400)
    # The student portal's built files (`make portal` writes them), served at /portal/ when
    # the folder exists; empty: not served (a static host elsewhere serves it).
    portal_dir: str = "web/portal/dist"
    # Development only (stripe-mock): lets a signed-in user settle their own card payment
    # through a webhook the ingress signs itself. Refused in production.
    dev_payment_controls: bool = False

    # Signs tokens and seals TOTP secrets; only the ingress and identity need it, so the
    # other processes (and the operators' tools) run without it.
    secret_key: SecretStr | None = None
    access_token_ttl_s: int = Field(default=900, ge=30)
    refresh_token_ttl_s: int = Field(default=30 * 24 * 3600, ge=60)
    # Login throttling, per ingress replica (`producers/ingress/throttle.py` says why): this
    # many failed logins for one email within the window lock it for the lockout; an address
    # gets a larger allowance, since many people may share one (an office, a NAT).
    login_max_failures: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=50, ge=1)
    login_failure_window_s: float = Field(default=900.0, gt=0)
    login_lockout_s: float = Field(default=900.0, gt=0)
    # Registration throttling, per ingress replica, checked before the password is hashed
    # (argon2 costs 19 MiB and tens of ms each): this many per client address within the
    # window, and at most this rate (with this burst) from everyone.
    registration_max_per_address: int = Field(default=20, ge=1)
    registration_window_s: float = Field(default=3600.0, gt=0)
    registrations_per_second: float = Field(default=20.0, gt=0)
    registration_burst: int = Field(default=40, ge=1)

    # Sign-in with OpenID Connect providers (`producers/ingress/oidc/`); off while none is
    # configured. Each is AZORA_OIDC_PROVIDERS__<NAME>__ISSUER, __CLIENT_ID and
    # __CLIENT_SECRET (from the secret store), optionally __DISPLAY_NAME and __SCOPES.
    oidc_providers: dict[str, OidcProvider] = {}
    # Where browsers reach the ingress: each provider is registered with the redirect URI
    # <this>/v1/auth/oidc/<name>/callback. With https, the flow cookie is Secure.
    oidc_redirect_base_url: HttpUrl | None = None
    # The pages a sign-in may send the browser back to (exact URLs, comma-separated; the
    # first is the default). Nothing else is ever redirected to.
    oidc_return_urls: Annotated[tuple[str, ...], NoDecode] = ()
    # How long a started sign-in may take at the provider, how long the one-time code the
    # browser brings back stays valid, and how long a re-authentication counts.
    oidc_flow_ttl_s: int = Field(default=600, ge=30, le=3600)
    oidc_code_ttl_s: int = Field(default=120, ge=10, le=600)
    oidc_reauthentication_ttl_s: int = Field(default=300, ge=30, le=3600)
    oidc_http_timeout_s: float = Field(default=10.0, gt=0, le=60)
    oidc_clock_skew_s: int = Field(default=60, ge=0, le=300)

    consumer_max_batch: int = Field(default=1000, ge=1)
    # The broker holds a fetch until this many bytes are there or the wait is up. A fetch
    # per record (min 1 byte) costs the broker, the client and Postgres (a transaction per
    # tiny batch) so much that at 500 commands/s two cores saturate and latency queues up;
    # a 20 ms wait per hop batches records and keeps p99 lower than answering at once.
    consumer_fetch_wait_ms: int = Field(default=20, ge=0)
    consumer_fetch_min_bytes: int = Field(default=64 * 1024, ge=1)
    # Those two hold while records flow. After a poll that found nothing, the next fetch asks
    # for one byte and the broker may hold it this long (`azora/consume/polling.py`): an
    # idle consumer asks about once a second instead of fifty times, and the first record
    # after a lull is answered the moment it arrives. Below aiokafka's 40 s request timeout.
    consumer_idle_fetch_wait_ms: int = Field(default=1000, ge=0, le=30_000)
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

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _any_case(cls, value: Any, info: Any) -> Any:
        if not isinstance(value, str):
            return value
        return value.upper() if info.field_name == "log_level" else value.lower()

    @field_validator("cors_allow_origins", mode="before")
    @classmethod
    def _comma_separated_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("cors_allow_origins")
    @classmethod
    def _origins_only(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        # An origin is scheme, host and port: a path or a trailing slash never matches the
        # Origin header a browser sends, so it would silently allow nothing.
        for origin in origins:
            if origin != "*" and not ORIGIN.fullmatch(origin):
                raise ValueError(f"{origin!r} is not an origin (scheme://host[:port])")
        return origins

    @model_validator(mode="after")
    def _no_wildcard_with_credentials(self) -> Settings:
        if self.cors_allow_credentials and "*" in self.cors_allow_origins:
            raise ValueError(
                "AZORA_CORS_ALLOW_ORIGINS='*' with credentials would let every site act as "
                "the signed-in user: name the origins"
            )
        return self

    @field_validator("oidc_return_urls", mode="before")
    @classmethod
    def _comma_separated_urls(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _oidc_complete(self) -> Settings:
        if not self.oidc_providers:
            return self
        for name, provider in self.oidc_providers.items():
            if not PROVIDER_NAME.fullmatch(name):
                raise ValueError(f"OIDC provider name {name!r}: lower case, digits, - or _")
            if self.env == "production" and not provider.issuer.startswith("https://"):
                raise ValueError(f"OIDC provider {name}: the issuer must be https in production")
        if self.oidc_redirect_base_url is None or not self.oidc_return_urls:
            raise ValueError(
                "OIDC providers need AZORA_OIDC_REDIRECT_BASE_URL (where browsers reach the "
                "ingress) and AZORA_OIDC_RETURN_URLS (where a sign-in may return to)"
            )
        for url in self.oidc_return_urls:
            if problem := return_url_problem(url):
                raise ValueError(f"AZORA_OIDC_RETURN_URLS: {problem}")
        return self

    @model_validator(mode="after")
    def _no_dev_controls_in_production(self) -> Settings:
        if self.env == "production" and self.dev_payment_controls:
            raise ValueError(
                "AZORA_DEV_PAYMENT_CONTROLS lets users settle their own payments: "
                "never in production"
            )
        return self

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated_networks(cls, value: Any) -> Any:
        # An environment variable is one string: "10.0.0.0/8, 192.168.1.7".
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _refuse_known_or_weak_secrets(self) -> Settings:
        # In every mode: a development stack on a published key is as open as production.
        for name in ("secret_key", "stripe_webhook_secret", "personal_data_key"):
            given: SecretStr | None = getattr(self, name)
            if given is None:
                continue
            value = given.get_secret_value().strip()
            env_name = f"AZORA_{name.upper()}"
            if not value:
                raise ValueError(f"{env_name} is blank: set a private value or leave it unset")
            if hashlib.sha256(value.encode()).hexdigest() in PUBLISHED_SECRET_DIGESTS:
                raise ValueError(
                    f"{env_name} is a value published in Azora's source; set a private one"
                )
            if len(set(value)) < MIN_DISTINCT_CHARACTERS:
                raise ValueError(f"{env_name} is too repetitive to be a secret")
        for name in ("secret_key", "personal_data_key"):
            given_key: SecretStr | None = getattr(self, name)
            key = given_key.get_secret_value().strip() if given_key else None
            if key is not None and len(key) < MIN_SECRET_KEY_LENGTH:
                raise ValueError(
                    f"AZORA_{name.upper()} must be at least {MIN_SECRET_KEY_LENGTH} characters"
                )
        return self

    def required_secret(self, name: SecretName) -> str:
        """The value of a secret this process cannot run without; a clear error when unset."""
        given: SecretStr | None = getattr(self, name)
        if given is None:
            raise MissingSecret(
                f"AZORA_{name.upper()} must be set (`make run` generates development secrets "
                "into the state dir; production takes them from its secret store)"
            )
        return given.get_secret_value()

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
        given = {k: v for k, v in wanted.items() if v is not None}
        self.database_url = with_query(self.database_url, given)
        for owner in DATABASE_OWNERS:
            name = f"{owner}_database_url"
            own: str | None = getattr(self, name)
            if own is not None:
                setattr(self, name, with_query(own, given))
        return self


class MissingSecret(RuntimeError):
    """A process needs a secret that its environment does not give."""


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
