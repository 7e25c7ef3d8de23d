"""/healthz and /readyz of a worker, on a port of its own (not the /metrics one).

prometheus_client's server answers every path with the metrics, so a probe pointed at it
says only that the process exists. This one answers the two probe paths from `Probes`, on
the process's event loop: a loop blocked outright cannot answer at all, and one that only
waits for good answers 503. HTTP/1.x GET and HEAD, one request per connection, bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from azora.health.probes import Probes

log = logging.getLogger(__name__)

# A probe's request is a line and a few headers; anything longer is not one.
MAX_REQUEST_LINE = 1024
MAX_HEADERS = 64
READ_TIMEOUT_S = 5.0
REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    503: "Service Unavailable",
}


class HealthServer:
    """Serves `probes` over HTTP until closed."""

    def __init__(self, probes: Probes) -> None:
        self.probes = probes
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> int:
        """Listen on `host:port` (0: any free port); return the port bound."""
        self._server = await asyncio.start_server(
            self._serve, host, port, limit=MAX_REQUEST_LINE * 4
        )
        bound: int = self._server.sockets[0].getsockname()[1]
        return bound

    async def close(self) -> None:
        """Stop listening and wait for the connections in hand."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(READ_TIMEOUT_S):
                method, path = await _request(reader)
            status, body = await self._answer(method, path)
            payload = json.dumps(body).encode()
            head = (
                f"HTTP/1.1 {status} {REASONS[status]}\r\n"
                "Content-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\n"
                "Cache-Control: no-store\r\n"
                "Connection: close\r\n\r\n"
            ).encode()
            writer.write(head if method == "HEAD" else head + payload)
            await writer.drain()
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass  # a client that went away or sent no request: nothing to answer
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _answer(self, method: str, path: str) -> tuple[int, dict[str, Any]]:
        if method == "":
            return 400, {"error": "not an HTTP request"}
        if path not in ("/healthz", "/readyz"):
            return 404, {"error": f"{path} is not served here: /healthz or /readyz"}
        if method not in ("GET", "HEAD"):
            return 405, {"error": f"{method} is not allowed: GET or HEAD"}
        if path == "/healthz":
            return self.probes.liveness()
        return await self.probes.readiness()


async def _request(reader: asyncio.StreamReader) -> tuple[str, str]:
    """The method and path of a request ("" when the line is not one); headers skipped."""
    line = await reader.readline()
    if len(line) > MAX_REQUEST_LINE:
        raise ValueError("request line too long")
    parts = line.decode("latin-1").split()
    for _ in range(MAX_HEADERS):
        header = await reader.readline()
        if header in (b"\r\n", b"\n", b""):
            break
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        return "", ""
    method, target, _ = parts
    return method, target.split("?", 1)[0]


async def serve(probes: Probes, host: str, port: int) -> HealthServer | None:
    """A started server for `probes`, or None when the port is 0 (not served) or taken."""
    if not port:
        return None
    server = HealthServer(probes)
    try:
        await server.start(host, port)
    except OSError as exc:
        # Probes failing is how an orchestrator would find out; the work itself goes on.
        log.error("cannot serve /healthz and /readyz on %s:%s: %s", host, port, exc)
        return None
    log.info("probes: http://%s:%s/healthz and /readyz", host, port)
    return server
