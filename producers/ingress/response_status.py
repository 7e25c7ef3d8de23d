"""The status an ASGI app answered with, noted as the response starts, for middleware that
counts or logs requests once they are done."""

from __future__ import annotations

from starlette.types import Message, Send


class ResponseStatus:
    """Passes every message on to `send`, noting the status the response starts with.

    Until a response starts (the app raised first) the status is 500, which is what the
    server answers then.
    """

    def __init__(self, send: Send) -> None:
        self.code = 500
        self._send = send

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.code = message["status"]
        await self._send(message)
