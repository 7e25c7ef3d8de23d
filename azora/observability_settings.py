"""What a process tells its operators: log lines, /metrics, probes, the lag exporter, traces."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, Field, field_validator


class ObservabilitySettings(BaseModel):
    """Logs, metrics and health ports, the lag exporter's sampling, and the OTLP collector."""

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
    # the port of its /metrics when AZORA_METRICS_PORT is not set. Every 15 s, Prometheus's
    # scrape interval here (infra/prometheus): a sample no scrape reads is work for the
    # broker all the same (at 5 s, an idle stack's broker spent 1.7 % of a core on them).
    lag_poll_interval_s: float = Field(default=15.0, gt=0)
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

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _any_case(cls, value: Any, info: Any) -> Any:
        if not isinstance(value, str):
            return value
        return value.upper() if info.field_name == "log_level" else value.lower()
