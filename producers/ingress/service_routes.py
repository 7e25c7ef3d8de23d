"""Liveness, readiness, metrics and the AsyncAPI document."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from producers.ingress.auth import Ctx

router = APIRouter(tags=["service"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """200 while the process lives."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "A dependency does not answer"}})
async def readyz(ctx: Ctx) -> JSONResponse:
    """200 when Kafka and Postgres answer; 503 naming the one that does not."""
    checks = {"kafka": await ctx.bus.transport.ping(), "postgres": await _postgres_answers(ctx)}
    failed = [name for name, ok in checks.items() if not ok]
    # A tutor without a model provider is degraded, not down: its questions fail with a reason.
    tutor = "ok" if ctx.settings.openai_api_key else "degraded: no model provider configured"
    body = {
        "status": "ready" if not failed else "unavailable",
        "checks": checks,
        "failed": failed,
        "tutor": tutor,
    }
    return JSONResponse(body, status_code=503 if failed else 200)


async def _postgres_answers(ctx: Ctx) -> bool:
    if ctx.pool is None:
        return False
    try:
        return bool(await ctx.pool.fetchval("SELECT 1", timeout=2.0))
    except Exception:
        return False


@router.get("/metrics", response_class=Response)
async def metrics() -> Response:
    """Prometheus text exposition."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@router.get("/asyncapi")
async def asyncapi(ctx: Ctx) -> dict[str, Any]:
    """The AsyncAPI 3 document of every topic, generated from the catalogue."""
    return ctx.asyncapi()
