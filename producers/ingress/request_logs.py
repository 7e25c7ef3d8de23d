"""The ingress's log lines about a request: its trace on every line logged while it runs,
and with AZORA_LOG_ACCESS one access line when it is answered."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Receive, Scope, Send

from azora import logs, tracing
from producers.ingress.response_status import ResponseStatus
from producers.ingress.route_templates import route_label

log = logging.getLogger("azora.access")


class RequestLogs:
    """ASGI middleware, inside the tracing one (so its span is current for the access line).

    The access line names the route template, never the raw path or query (ids, cursors)
    nor the client's address: like the metrics, and with nothing personal in it. The command
    id a command endpoint binds (`commands.submit`) is on it too.
    """

    def __init__(self, app: ASGIApp, *, access: bool) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if tracing.tracer() is None:
            # No span of ours: the caller's trace id still ties our lines to its trace.
            for name, value in scope.get("headers") or ():
                if name == b"traceparent":
                    logs.bind(**logs.trace_fields(value, own_span=False))
                    break
        if not self.access:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = ResponseStatus(send)
        try:
            await self.app(scope, receive, status)
        finally:
            route = route_label(scope)
            millis = round((time.perf_counter() - started) * 1000, 1)
            log.info(
                "%s %s %d %.1fms",
                scope["method"],
                route,
                status.code,
                millis,
                extra={
                    "fields": {
                        "http_method": scope["method"],
                        "http_route": route,
                        "http_status": status.code,
                        "duration_ms": millis,
                    }
                },
            )
