"""One trace follows a registration from the HTTP request across every Kafka hop."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from azora import tracing
from schemas.catalogue import BY_MODEL
from schemas.registration import (
    UserRegisteredV3,
    UserRegistrationRequested,
    UserRegistrationRequestedV3,
)
from stack import composition
from tests.support.world import World, eventually, running

pytestmark = pytest.mark.integration


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Tracing on for this test only, every span kept in memory."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use(provider)
    yield exporter
    tracing.use(None)
    provider.shutdown()


@pytest.fixture
async def ingress(private_world: World) -> AsyncIterator[httpx.AsyncClient]:
    """The real ingress app, in this event loop, on the world's topics."""
    app = composition.ingress_app(private_world.settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://ingress"
        ) as http,
    ):
        await eventually(lambda: _ready(http), timeout=30)
        yield http


async def _ready(http: httpx.AsyncClient) -> bool:
    return (await http.get("/readyz")).status_code == 200


def by_name(spans: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    return [span for span in spans if span.name == name]


async def test_one_trace_spans_the_request_identity_and_the_projection(
    private_world: World, spans: InMemorySpanExporter, ingress: httpx.AsyncClient
) -> None:
    world = private_world
    services = composition.services(world.settings)
    requested = world.names.physical(BY_MODEL[UserRegistrationRequestedV3])
    registered = world.names.physical(BY_MODEL[UserRegisteredV3])
    caller_trace = uuid.uuid4().hex
    async with running(world, *services["identity"], *services["projections"]):
        accepted = await ingress.post(
            "/v1/auth/register",
            json={
                "email": f"trace-{uuid.uuid4().hex[:10]}@example.org",
                "password": "a long enough passphrase 42",
                "display_name": "Ada",
            },
            # The caller's own trace: the ingress continues it rather than starting one.
            headers={"traceparent": f"00-{caller_trace}-{'1' * 16}-01"},
        )
        assert accepted.status_code == 202, accepted.text
        answer = await ingress.get(accepted.json()["status_url"], params={"wait": 15})
        assert answer.json()["status"] == "succeeded"

        async def projected() -> bool:
            return bool(by_name(spans.get_finished_spans(), f"process {registered}"))

        await eventually(projected, timeout=30)

    finished = spans.get_finished_spans()
    (request,) = by_name(finished, "POST /v1/auth/register")
    trace_id = request.context.trace_id
    assert f"{trace_id:032x}" == caller_trace
    in_trace = [span for span in finished if span.context.trace_id == trace_id]
    names = {span.name for span in in_trace}
    assert {
        "POST /v1/auth/register",
        f"publish {requested}",  # the ingress's publish
        f"process {requested}",  # identity
        f"publish {registered}",  # the relay
        f"process {registered}",  # the projection
        "postgres transaction",
    } <= names

    # Each hop is the child of the one before it.
    def only(name: str, kind: SpanKind, group: str | None = None) -> ReadableSpan:
        found = [
            s
            for s in in_trace
            if s.name == name
            and s.kind is kind
            and (
                group is None or (s.attributes or {}).get("messaging.consumer.group.name") == group
            )
        ]
        assert len(found) == 1, (name, found)
        return found[0]

    publish_command = only(f"publish {requested}", SpanKind.PRODUCER)
    identity = only(f"process {requested}", SpanKind.CONSUMER, world.names.group("identity"))
    relay = only(f"publish {registered}", SpanKind.PRODUCER)
    projection = only(f"process {registered}", SpanKind.CONSUMER, world.names.group("projections"))
    chain = [request, publish_command, identity, relay, projection]
    for parent, child in itertools.pairwise(chain):
        assert child.parent is not None
        assert child.parent.span_id == parent.context.span_id, (parent.name, child.name)
    assert (identity.attributes or {}).get("azora.outcome") == "applied"
    transactions = [
        s for s in in_trace if s.name == "postgres transaction" and s.parent is not None
    ]
    assert {s.parent.span_id for s in transactions if s.parent} >= {
        identity.context.span_id,
        projection.context.span_id,
    }


async def test_with_tracing_off_no_traceparent_is_added(world: World) -> None:
    assert tracing.tracer() is None
    envelopes = await world.publish(
        [
            UserRegistrationRequested(
                user_id=uuid.uuid4(),
                email=f"untraced-{uuid.uuid4().hex[:8]}@example.org",
                display_name="Bo",
                password_hash="$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub",
            )
        ]
    )
    services = composition.services(world.settings)
    registered = world.names.physical(BY_MODEL[UserRegisteredV3])
    async with running(world, *services["identity"]):
        (record,) = await world.wait_for_records(registered, 1)
    assert envelopes
    assert "traceparent" not in dict(record.headers or ())
