"""The ingress application: FastAPI routes over a FastStream KafkaBroker held in the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from azora import db
from azora.aio import keep_trying
from producers.ingress import (
    accounts,
    admin,
    commands,
    courses,
    enrollments,
    payments,
    problems,
    service_routes,
    tutor,
    wallet,
)
from producers.ingress.context import IngressContext
from producers.ingress.metrics import RequestMetrics
from producers.ingress.tracing import RequestTracing

DESCRIPTION = """
Commands answer `202 Accepted` with a `command_id` and a `status_url`;
`GET /v1/commands/{id}?wait=5` holds the answer until the outcome is known.
Every command endpoint honours `Idempotency-Key`. Errors are `application/problem+json`.
"""


def create_app(ctx: IngressContext, broker: KafkaBroker) -> FastAPI:
    """The ingress app; connections open in its lifespan, never at import or build time."""

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        ctx.pool = await db.create_pool(
            ctx.settings.database_url, min_size=0, max_size=ctx.settings.db_pool_max
        )
        await ctx.waiter.start()
        connecting = asyncio.create_task(_connect_until_ready(broker, stop))
        try:
            yield
        finally:
            stop.set()
            connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await connecting
            await ctx.waiter.close()
            await broker.stop()
            await ctx.pool.close()

    app = FastAPI(
        title="Azora API",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    problems.install(app)
    app.add_middleware(RequestTracing)
    # Added last, so it runs outermost: its latency includes the tracing middleware's.
    app.add_middleware(RequestMetrics)
    app.include_router(service_routes.router)
    app.include_router(commands.router)
    app.include_router(accounts.router)
    app.include_router(courses.router)
    app.include_router(enrollments.router)
    app.include_router(wallet.router)
    app.include_router(payments.router)
    app.include_router(tutor.router)
    app.include_router(admin.router)
    return app


async def _connect_until_ready(broker: KafkaBroker, stop: asyncio.Event) -> None:
    # The ingress starts without Kafka (readyz says so, commands answer 503) and connects
    # as soon as the broker answers.
    await keep_trying(broker.start, stop, "Kafka", on_failure=broker.stop)
