"""Command POSTs straight to their endpoint, past FastAPI's routing and dependency solving.

Profiled under load, most of the ingress's time per command went to FastAPI finding the
route among all the app's routes and solving its dependencies, not to the command. For
the command endpoints, whose every parameter is of a kind known here (one JSON body, the
caller, the context, the response, header fields), this middleware looks the route up by
method and path, resolves those parameters itself and calls the same endpoint function,
then serializes the result as FastAPI does (the route's response model, its status code,
the headers the endpoint set).

It only takes a request it can answer exactly as FastAPI would. Anything else (no valid
bearer token, an invalid header or body, a streamed or large body, another content type)
goes on to FastAPI untouched, with the body replayed if it was read, so errors keep one
source and one shape. Which routes qualify, and how their parameters are read, is
`command_endpoints`; the caller is read by `auth.bearer_claims`, as on every other route.
Only public FastAPI, Starlette and pydantic API is used, with FastAPI and Starlette pinned
to the minor versions `tests/unit/test_fast_path.py` ran against: it sends the cases it
generates for every POST route of the app both ways.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Response
from fastapi.exceptions import ResponseValidationError
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from producers.ingress.auth import bearer_claims
from producers.ingress.command_endpoints import CommandEndpoint, compile_routes
from producers.ingress.context import IngressContext
from producers.ingress.http_metrics import FAST_PATH, labelled
from producers.ingress.problems import Problem

# Bodies above this, or of unknown length (chunked), go the ordinary way. The limits on
# every body (its size, its JSON's depth) are enforced in front of this middleware
# (`body_limits`), so what arrives here is within them.
MAX_BODY_BYTES = 64 * 1024


class CommandFastPath:
    """ASGI middleware in front of the app's router; see the module's docstring."""

    def __init__(self, app: ASGIApp, routes: Iterable[BaseRoute]) -> None:
        self.app = app
        self.endpoints = compile_routes(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = None
        if scope["type"] == "http" and scope["method"] == "POST":
            endpoint = self.endpoints.get(scope["path"])
        fastapi_app: FastAPI | None = scope.get("app")
        if endpoint is None or fastapi_app is None or fastapi_app.dependency_overrides:
            await self.app(scope, receive, send)
            return
        ctx: IngressContext = fastapi_app.state.ctx
        arguments = _arguments_from_headers(endpoint, scope, ctx)
        if arguments is None:
            labelled(FAST_PATH, "declined").inc()
            await self.app(scope, receive, send)
            return
        body, replay = await _read_body(receive)
        value = _valid_body(endpoint, body)
        if value is None:
            labelled(FAST_PATH, "declined").inc()
            await self.app(scope, replay, send)
            return
        labelled(FAST_PATH, "served").inc()
        arguments[endpoint.body_param] = value
        scope["route"] = endpoint.route  # as routing would: metrics and traces name it
        try:
            response = await _call(endpoint, arguments)
        except (Problem, StarletteHTTPException) as exc:
            # Past FastAPI's exception middleware: its handlers are applied here.
            response = await _handled(fastapi_app, scope, exc)
        await response(scope, receive, send)


async def _handled(app: FastAPI, scope: Scope, exc: Exception) -> Response:
    """The response the app's exception handler gives for `exc`."""
    handler = next(
        app.exception_handlers[c] for c in type(exc).__mro__ if c in app.exception_handlers
    )
    response = handler(Request(scope), exc)
    return await response if inspect.isawaitable(response) else response


def _arguments_from_headers(
    endpoint: CommandEndpoint, scope: Scope, ctx: IngressContext
) -> dict[str, Any] | None:
    """The endpoint's arguments that headers give, or None to let FastAPI answer."""
    headers: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        headers.setdefault(name, value)  # the first of a repeated header, as Starlette reads
    if b"transfer-encoding" in headers:
        return None
    length = headers.get(b"content-length", b"")
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        return None
    content_type = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
    if content_type != b"application/json":
        return None
    arguments: dict[str, Any] = dict.fromkeys(endpoint.context_params, ctx)
    if endpoint.user_param is not None:
        authorization = headers.get(b"authorization")
        try:
            arguments[endpoint.user_param] = bearer_claims(
                ctx.tokens, authorization.decode("latin-1") if authorization else None
            )
        except Problem:
            return None
    for header in endpoint.headers:
        raw = headers.get(header.wire_name)
        if raw is None:
            if header.required:
                return None
            arguments[header.name] = header.default
            continue
        try:
            arguments[header.name] = header.adapter.validate_python(
                raw.decode("latin-1"), from_attributes=True
            )
        except ValidationError:
            return None
    return arguments


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    """The whole body, and a `receive` that gives it again before what follows."""
    chunks = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return body, replay


def _valid_body(endpoint: CommandEndpoint, body: bytes) -> Any | None:
    """The validated body model, or None when FastAPI must say what is wrong with it."""
    try:
        parsed = json.loads(body)  # FastAPI's own parse: json.loads, then validation
        return endpoint.body.validate_python(parsed, from_attributes=True)
    except (ValueError, ValidationError, RecursionError):
        # Too deep to parse is refused before this (`json_depth`); should a body get here
        # anyway, FastAPI answers it (a 4xx), never this path (a 500).
        return None


async def _call(endpoint: CommandEndpoint, arguments: dict[str, Any]) -> Response:
    """Run the endpoint and make its response exactly as FastAPI's request handler does."""
    sub_response = Response()
    del sub_response.headers["content-length"]
    sub_response.status_code = None  # type: ignore[assignment]  # FastAPI's "not set"
    if endpoint.response_param is not None:
        arguments[endpoint.response_param] = sub_response
    route = endpoint.route
    raw = await route.endpoint(**arguments)
    try:
        value = endpoint.answer.validate_python(raw, from_attributes=True)
    except ValidationError as exc:
        errors = [{**e, "loc": ("response", *e["loc"])} for e in exc.errors(include_url=False)]
        raise ResponseValidationError(errors=errors, body=raw) from exc
    status = sub_response.status_code or route.status_code or 200
    response = Response(
        content=endpoint.answer.dump_json(value, by_alias=True),
        media_type="application/json",
        status_code=status,
    )
    response.headers.raw.extend(sub_response.headers.raw)
    return response
