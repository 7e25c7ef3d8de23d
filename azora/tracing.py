"""OpenTelemetry traces across Kafka hops: the W3C `traceparent` header carries them.

Tracing is off unless a provider is installed (the composition root does so when
OTEL_EXPORTER_OTLP_ENDPOINT is set). Off means no spans are even started, so the
consume loop's hot path pays one attribute check per batch and nothing per event.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_PROPAGATOR = TraceContextTextMapPropagator()
_tracer: Tracer | None = None
_provider: TracerProvider | None = None


def use(provider: TracerProvider | None) -> None:
    """Send this process's spans to `provider` (None: tracing off)."""
    global _tracer, _provider
    _provider = provider
    _tracer = provider.get_tracer("azora") if provider is not None else None


def configure(service_name: str, otlp_endpoint: str | None) -> TracerProvider | None:
    """Export spans over OTLP/HTTP when an endpoint is configured; otherwise stay off."""
    if not otlp_endpoint:
        return None
    # Imported here: the exporter's protobuf stack is only loaded where it is used.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    endpoint = otlp_endpoint.rstrip("/")
    if not endpoint.endswith("/v1/traces"):
        endpoint += "/v1/traces"
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    use(provider)
    return provider


def shutdown() -> None:
    """Flush and stop the exporter (at process exit)."""
    if _provider is not None:
        _provider.shutdown()


def tracer() -> Tracer | None:
    """The tracer, or None when tracing is off."""
    return _tracer


def traceparent_of(span: Span) -> bytes | None:
    """`span`'s W3C traceparent header value."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier, context=trace.set_span_in_context(span))
    value = carrier.get("traceparent")
    return value.encode() if value else None


def context_from(traceparent: bytes | str | None) -> context.Context | None:
    """The remote parent a traceparent header names (None: start a new trace)."""
    if not traceparent:
        return None
    value = traceparent.decode() if isinstance(traceparent, bytes) else traceparent
    return _PROPAGATOR.extract({"traceparent": value})


@contextmanager
def producer_span(
    topic: str, message_id: str, parent: bytes | None = None
) -> Iterator[Span | None]:
    """A PRODUCER span for publishing one message (None when tracing is off)."""
    if _tracer is None:
        yield None
        return
    with _tracer.start_as_current_span(
        f"publish {topic}",
        context=context_from(parent),
        kind=SpanKind.PRODUCER,
        attributes=messaging_attributes(topic, message_id, "publish"),
    ) as span:
        yield span


def messaging_attributes(
    topic: str, message_id: str, operation: str, **extra: Any
) -> Mapping[str, Any]:
    """OpenTelemetry messaging semantic-convention attributes for a Kafka message."""
    return {
        "messaging.system": "kafka",
        "messaging.destination.name": topic,
        "messaging.operation.type": operation,
        "messaging.message.id": message_id,
        **extra,
    }
