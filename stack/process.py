"""What every long-running `azora` process sets up first: its logging, /metrics and probes."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from prometheus_client import start_http_server

from azora import logs
from azora.health import server
from azora.health.probes import Probes
from azora.settings import Settings


def configure_logging(settings: Settings, role: str) -> None:
    """Log lines of `role` at AZORA_LOG_LEVEL in AZORA_LOG_FORMAT (azora/logs.py)."""
    logs.configure(role, level=settings.log_level, form=settings.log_format)


def serve_metrics(settings: Settings, port: int | None = None) -> None:
    """Serve this process's Prometheus metrics on `port` or AZORA_METRICS_PORT (when set)."""
    port = port or settings.metrics_port
    if not port:
        return
    try:
        start_http_server(port, addr=settings.metrics_host)
    except OSError as exc:
        # Metrics are for watching; a taken port must not stop the work itself.
        logging.getLogger("azora").error("cannot serve metrics on %s: %s", port, exc)


@contextlib.asynccontextmanager
async def serving_probes(settings: Settings, probes: Probes) -> AsyncIterator[None]:
    """Answer /healthz and /readyz from `probes` on AZORA_HEALTH_PORT (when set) meanwhile."""
    health = await server.serve(probes, settings.health_host, settings.health_port)
    try:
        yield
    finally:
        if health is not None:
            await health.close()
