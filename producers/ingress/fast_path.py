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
source and one shape. `tests/unit/test_fast_path.py` sends the same requests both ways.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Response
from fastapi._compat import ModelField
from fastapi.datastructures import DefaultPlaceholder
from fastapi.exceptions import ResponseValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from producers.ingress.auth import current_user
from producers.ingress.context import IngressContext, context
from producers.ingress.metrics import FAST_PATH, labelled
from producers.ingress.problems import Problem
from producers.ingress.tokens import InvalidToken

# Bodies above this, or of unknown length (chunked), go the ordinary way: FastAPI's
# body-size limit then answers them as it always does.
MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class _Endpoint:
    """What it takes to call one route's endpoint without FastAPI's machinery."""

    route: APIRoute
    body: ModelField
    headers: tuple[tuple[bytes, ModelField], ...]
    user_param: str | None
    context_params: tuple[str, ...]
    response_param: str | None


def compile_routes(routes: Iterable[BaseRoute]) -> dict[str, _Endpoint]:
    """The POST routes this middleware can serve, by path; the others are left out."""
    table: dict[str, _Endpoint] = {}
    for route in routes:
        if isinstance(route, APIRoute) and (endpoint := _compile(route)) is not None:
            table[route.path] = endpoint
    return table


def _compile(route: APIRoute) -> _Endpoint | None:
    dependant = route.dependant
    plain_response = (
        isinstance(route.response_class, DefaultPlaceholder)
        and route.response_field is not None
        and route.response_model_include is None
        and route.response_model_exclude is None
        and route.response_model_by_alias
        and not route.response_model_exclude_unset
        and not route.response_model_exclude_defaults
        and not route.response_model_exclude_none
        and route.status_code in (None, 200, 201, 202)
    )
    known_parameters = not (
        dependant.path_params
        or dependant.query_params
        or dependant.cookie_params
        or dependant.request_param_name
        or dependant.websocket_param_name
        or dependant.http_connection_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
    )
    if route.methods != {"POST"} or not plain_response or not known_parameters:
        return None
    if len(dependant.body_params) != 1 or route.body_field is None:
        return None
    body = route.body_field
    if not (
        isinstance(body.field_info.annotation, type)
        and issubclass(body.field_info.annotation, BaseModel)
    ):
        return None
    user_param = None
    context_params = []
    for dependency in dependant.dependencies:
        if dependency.call is current_user and dependency.name:
            user_param = dependency.name
        elif dependency.call is context and dependency.name:
            context_params.append(dependency.name)
        else:
            return None
    return _Endpoint(
        route=route,
        body=body,
        headers=tuple((field.alias.lower().encode(), field) for field in dependant.header_params),
        user_param=user_param,
        context_params=tuple(context_params),
        response_param=dependant.response_param_name,
    )


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
        arguments[endpoint.body.name] = value
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
    endpoint: _Endpoint, scope: Scope, ctx: IngressContext
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
        scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            arguments[endpoint.user_param] = ctx.tokens.access(token)
        except InvalidToken:
            return None
    for alias, field in endpoint.headers:
        raw = headers.get(alias)
        if raw is None:
            if field.field_info.is_required():
                return None
            arguments[field.name] = field.get_default()
            continue
        value, errors = field.validate(raw.decode("latin-1"), loc=("header", field.alias))
        if errors:
            return None
        arguments[field.name] = value
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


def _valid_body(endpoint: _Endpoint, body: bytes) -> Any | None:
    """The validated body model, or None when FastAPI must say what is wrong with it."""
    try:
        parsed = json.loads(body)  # FastAPI's own parse: json.loads, then validation
    except ValueError:
        return None
    value, errors = endpoint.body.validate(parsed, loc=("body",))
    return None if errors else value


async def _call(endpoint: _Endpoint, arguments: dict[str, Any]) -> Response:
    """Run the endpoint and make its response exactly as FastAPI's request handler does."""
    sub_response = Response()
    del sub_response.headers["content-length"]
    sub_response.status_code = None  # type: ignore[assignment]  # FastAPI's "not set"
    if endpoint.response_param is not None:
        arguments[endpoint.response_param] = sub_response
    route = endpoint.route
    raw = await route.endpoint(**arguments)
    field = route.response_field
    assert field is not None  # compiled only with a response model
    value, errors = field.validate(raw, {}, loc=("response",))
    if errors:
        raise ResponseValidationError(errors=errors, body=raw)
    status = sub_response.status_code or route.status_code or 200
    response = Response(
        content=field.serialize_json(value), media_type="application/json", status_code=status
    )
    response.headers.raw.extend(sub_response.headers.raw)
    return response
