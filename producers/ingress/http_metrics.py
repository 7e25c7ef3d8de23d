"""The ingress's own metrics: requests by route and status, and their latency."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Receive, Scope, Send

from producers.ingress.response_status import ResponseStatus
from producers.ingress.route_templates import route_label

REQUESTS = Counter(
    "azora_http_requests_total",
    "HTTP requests answered by the ingress, by route template, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "azora_http_request_seconds",
    "Time to answer an HTTP request, by route template and method.",
    ["route", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
COMMANDS = Counter(
    "azora_ingress_commands_total",
    "Commands submitted, by command route and outcome (accepted, replayed, unavailable).",
    ["route", "outcome"],
)

FAST_PATH = Counter(
    "azora_ingress_fast_path_requests_total",
    "Command requests the fast path served, or declined and left to FastAPI "
    "(no valid token, an invalid header or body: FastAPI answers those).",
    ["outcome"],
)


def labelled(metric: Counter | Histogram, *values: str) -> Any:
    """`metric.labels(*values)`, remembered: per request, prometheus_client's own lookup
    (validation and a lock) cost more than counting. Label values here are few (route
    templates, methods, statuses, outcomes), so the memo stays small."""
    key = (id(metric), values)
    child = _CHILDREN.get(key)
    if child is None:
        child = _CHILDREN[key] = metric.labels(*values)
    return child


_CHILDREN: dict[tuple[int, tuple[str, ...]], Any] = {}


class RequestMetrics:
    """ASGI middleware: one count and one latency sample per HTTP request.

    The route label is the route's template (`/v1/commands/{command_id}`), never the raw
    path, so ids cannot blow up the label set; unmatched paths share one label.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = ResponseStatus(send)
        try:
            await self.app(scope, receive, status)
        finally:
            route = route_label(scope)
            method = scope["method"]
            labelled(REQUESTS, route, method, str(status.code)).inc()
            labelled(LATENCY, route, method).observe(time.perf_counter() - started)
