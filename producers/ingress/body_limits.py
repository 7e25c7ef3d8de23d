"""Request bodies bounded while they are read; JSON bounded in depth before it is parsed.

ASGI middleware in front of everything that reads a body (the command fast path, FastAPI's
routes, the Stripe webhook), so one rule covers them all:

- a `Content-Length` over the limit is answered 413 before a byte of the body is read;
- a body of unknown length (chunked) is counted as it arrives and answered 413 as soon as
  the count passes the limit: no more than the limit (plus the one chunk the server had
  in hand) is ever held;
- a JSON body nested deeper than the limit is answered 422, as FastAPI answers malformed
  JSON, before any parser recurses into it (`json_depth`).

A body within the limits is handed on whole, as one message, so the layers behind it read
it as before. A 413 closes the connection (`Connection: close`): otherwise the server
would go on reading, and throwing away, whatever the client still sends.

Not Starlette's own `RequestBodyLimitMiddleware`: its 413 is plain text where it answers
itself (not a problem document), names no limit, and keeps reading the refused body.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from producers.ingress.json_depth import deeper_than
from producers.ingress.problems import problem_response


@dataclass(frozen=True)
class BodyLimit:
    """The most bytes a request body may have, and the setting that says so."""

    max_bytes: int
    setting: str


def _framing(headers: list[tuple[bytes, bytes]]) -> tuple[int | None, bool, bool]:
    """What the headers say of the body: its length (when a number), whether there is one,
    and whether it is JSON. A tuple, not an object: this runs for every request."""
    length_header: bytes | None = None
    chunked = False
    content_type = b""
    for name, value in headers:
        if name == b"content-length" and length_header is None:
            length_header = value.strip()
        elif name == b"transfer-encoding":
            chunked = True
        elif name == b"content-type" and not content_type:
            content_type = value.split(b";", 1)[0].strip().lower()
    length = int(length_header) if length_header and length_header.isdigit() else None
    # No length and no transfer coding: HTTP/1.1 says there is no body (RFC 9112 6.3).
    has_body = chunked or (length_header is not None and length != 0)
    # What FastAPI parses as JSON: application/json and application/*+json.
    json = content_type == b"application/json" or (
        content_type.startswith(b"application/") and content_type.endswith(b"+json")
    )
    return length, has_body, json


class RequestBodyLimits:
    """ASGI middleware; see the module's docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        default: BodyLimit,
        by_path: Mapping[str, BodyLimit],
        max_json_depth: int,
    ) -> None:
        self.app = app
        self.default = default
        self.by_path = dict(by_path)
        self.max_json_depth = max_json_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length, has_body, json = _framing(scope["headers"])
        if not has_body:
            await self.app(scope, receive, send)
            return
        limit = self.by_path.get(scope["path"], self.default)
        if length is not None and length > limit.max_bytes:
            await _too_large(scope, receive, send, limit)
            return
        body = await _read_within(receive, limit.max_bytes)
        if body is _GONE:
            return  # the client went away mid-body: nobody to answer
        if body is _TOO_LARGE:
            await _too_large(scope, receive, send, limit)
            return
        assert isinstance(body, bytes)
        if json and deeper_than(body, self.max_json_depth):
            await _too_deep(scope, receive, send, self.max_json_depth)
            return
        await self.app(scope, _replaying(body, receive), send)


_TOO_LARGE = object()
_GONE = object()


async def _read_within(receive: Receive, max_bytes: int) -> bytes | object:
    """The whole body; `_TOO_LARGE` as soon as it passes `max_bytes`, `_GONE` on disconnect."""
    chunks: list[bytes] = []
    total = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return _GONE
        chunk: bytes = message.get("body", b"")
        total += len(chunk)
        if total > max_bytes:
            return _TOO_LARGE
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives `body` as one message, then whatever the connection says."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: BodyLimit) -> None:
    response = problem_response(
        413,
        "content_too_large",
        "Request body too large",
        f"a request body here may have at most {limit.max_bytes} bytes ({limit.setting})",
        headers={"Connection": "close"},
    )
    await response(scope, receive, send)


async def _too_deep(scope: Scope, receive: Receive, send: Send, depth: int) -> None:
    reason = f"JSON may nest at most {depth} levels deep (AZORA_MAX_JSON_DEPTH)"
    response = problem_response(
        422,
        "validation_error",
        "The request is not valid",
        reason,
        [{"loc": ["body"], "msg": reason}],
    )
    await response(scope, receive, send)
