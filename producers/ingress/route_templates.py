"""The route template a request matched, the one name that metrics, access lines and spans
give it: `/v1/commands/{command_id}`, never the raw path, so ids and cursors cannot grow a
label set or put anything personal in a log line."""

from __future__ import annotations

from starlette.types import Scope

UNMATCHED = "unmatched"


def matched_route(scope: Scope) -> str | None:
    """The template of the route routing matched, or None before routing or when none did."""
    # Routing leaves the matched route in the scope (FastAPI's APIRoute puts itself there,
    # and the fast path does as routing would).
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else None


def route_label(scope: Scope) -> str:
    """The matched route's template, or one shared `unmatched` for every path none matched."""
    return matched_route(scope) or UNMATCHED
