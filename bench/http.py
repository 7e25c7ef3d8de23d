"""A small keep-alive HTTP/1.1 client for load generation.

httpx costs the benchmark's own process half a core at a few hundred requests a second,
CPU the stack under test then lacks on a 2-core machine. This sends prebuilt requests
over a fixed set of connections and parses just the status line, the headers it needs
and a Content-Length body.
"""

from __future__ import annotations

import asyncio
import contextlib


class Connection:
    """One keep-alive connection; reopened when the server closed it."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        """Send `raw` (a whole request) and return the status and body."""
        for attempt in (1, 2):
            if self._writer is None:
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            assert self._reader is not None
            try:
                self._writer.write(raw)
                return await self._response(self._reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                # The server closed an idle keep-alive connection: once more on a new one.
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _response(self, reader: asyncio.StreamReader) -> tuple[int, bytes]:
        status_line = await reader.readuntil(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        length = 0
        close = False
        while True:
            line = await reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.partition(b":")
            lowered = name.strip().lower()
            if lowered == b"content-length":
                length = int(value.strip())
            elif lowered == b"connection" and value.strip().lower() == b"close":
                close = True
        body = await reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return status, body

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()
        self._reader = self._writer = None


class Pool:
    """`size` connections handed out one request at a time."""

    def __init__(self, host: str, port: int, size: int) -> None:
        self._idle: asyncio.Queue[Connection] = asyncio.Queue()
        for _ in range(size):
            self._idle.put_nowait(Connection(host, port))
        self._all = list(self._idle._queue)  # type: ignore[attr-defined]

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        connection = await self._idle.get()
        try:
            return await connection.request(raw)
        finally:
            self._idle.put_nowait(connection)

    async def close(self) -> None:
        for connection in self._all:
            await connection.close()


def post(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    """A complete POST request with a JSON body."""
    lines = [f"POST {path} HTTP/1.1", "Host: bench", "Content-Type: application/json"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def get(path: str, headers: dict[str, str]) -> bytes:
    """A complete GET request."""
    lines = [f"GET {path} HTTP/1.1", "Host: bench"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()
