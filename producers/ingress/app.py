"""The ingress application: FastAPI routes over a Kafka producer held in the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI
from starlette.routing import BaseRoute

from azora import databases, db
from azora.aio import keep_trying
from azora.runtime import tune_gc_for_requests
from producers.ingress import (
    accounts,
    admin,
    commands,
    cors,
    courses,
    dev_payments,
    enrollments,
    erasure,
    mfa,
    openapi_document,
    payments,
    portal,
    problems,
    service_routes,
    tutor,
    wallet,
)
from producers.ingress.body_limits import BodyLimit, RequestBodyLimits
from producers.ingress.client_address import ClientAddress
from producers.ingress.context import IngressContext
from producers.ingress.fast_path import CommandFastPath
from producers.ingress.http_metrics import RequestMetrics
from producers.ingress.oidc import callback as oidc_callback
from producers.ingress.oidc import exchange as oidc_exchange
from producers.ingress.oidc import routes as oidc_routes
from producers.ingress.operation_ids import operation_id
from producers.ingress.request_logs import RequestLogs
from producers.ingress.request_spans import RequestTracing
from producers.ingress.transport import KafkaTransport

ROUTERS = (
    service_routes.router,
    commands.router,
    accounts.router,
    erasure.router,
    mfa.router,
    oidc_routes.router,
    oidc_callback.router,
    oidc_exchange.router,
    courses.router,
    enrollments.router,
    wallet.router,
    payments.router,
    tutor.router,
    admin.router,
)
DESCRIPTION = """
Commands answer `202 Accepted` with a `command_id` and a `status_url`;
`GET /v1/commands/{id}?wait=5` holds the answer until the outcome is known.
Every command endpoint honours `Idempotency-Key`. Errors are `application/problem+json`.
"""


def create_app(ctx: IngressContext, kafka: KafkaTransport, *, fast_path: bool = True) -> FastAPI:
    """The ingress app; connections open in its lifespan, never at import or build time.

    `fast_path=False` leaves every request to FastAPI (tests compare the two).
    """

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        # The read models live in the projections' database (or AZORA_INGRESS_DATABASE_URL).
        read_url = databases.url_for(ctx.settings, "ingress")
        ctx.pool = await db.create_pool(read_url, min_size=0, max_size=ctx.settings.db_pool_max)
        await ctx.waiter.start()
        connecting = asyncio.create_task(_connect_until_ready(kafka, stop))
        # Requests allocate many short-lived objects; the collector need not rescan the
        # hundreds of thousands that imports and start-up left behind on every full pass.
        tune_gc_for_requests()
        try:
            yield
        finally:
            stop.set()
            connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await connecting
            await ctx.waiter.close()
            if ctx.oidc is not None:
                await ctx.oidc.close()
            await kafka.stop()
            await ctx.pool.close()
            await ctx.vault.close()

    app = FastAPI(
        title="Azora API",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    app.state.ctx = ctx
    problems.install(app)
    openapi_document.install(app)
    # Innermost, added first: metrics and traces see fast-path requests like any other.
    # The routers are included without a prefix, so their route paths are the app's.
    if fast_path:
        app.add_middleware(CommandFastPath, routes=routes())
    # In front of everything that reads a body, behind metrics and traces (which count
    # the 413s and 422s it answers).
    settings = ctx.settings
    app.add_middleware(
        RequestBodyLimits,
        default=BodyLimit(settings.max_body_bytes, "AZORA_MAX_BODY_BYTES"),
        by_path={
            payments.WEBHOOK_PATH: BodyLimit(
                settings.webhook_max_body_bytes, "AZORA_WEBHOOK_MAX_BODY_BYTES"
            )
        },
        max_json_depth=settings.max_json_depth,
    )
    app.add_middleware(ClientAddress, trusted=settings.trusted_proxies)
    # Outside the body limits and the fast path (a preflight never reaches them), inside
    # traces and metrics (which see preflights too); its headers reach 4xx answers as well,
    # so a browser app can read why it was refused.
    cors.install(app, settings)
    # Inside the tracing middleware: its span is current when the access line is written.
    app.add_middleware(RequestLogs, access=settings.log_access)
    app.add_middleware(RequestTracing)
    # Added last, so it runs outermost: its latency includes the tracing middleware's.
    app.add_middleware(RequestMetrics)
    for router in ROUTERS:
        app.include_router(router)
    if settings.dev_payment_controls:
        app.include_router(dev_payments.router)
    portal.install(app, settings)
    return app


def routes() -> list[BaseRoute]:
    """Every route the app serves, as its routers declare them (paths are the app's)."""
    return [route for router in ROUTERS for route in router.routes]


async def _connect_until_ready(kafka: KafkaTransport, stop: asyncio.Event) -> None:
    # The ingress starts without Kafka (readyz says so, commands answer 503) and connects
    # as soon as the broker answers.
    await keep_trying(kafka.start, stop, "Kafka")
