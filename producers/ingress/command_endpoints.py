"""Which command routes the fast path can serve, read from their endpoints' signatures.

A route qualifies when it is a plain JSON POST whose every parameter is of a kind known
here: one request-body model, the caller (`current_user`), the context, the response,
and string headers. Everything is read from public attributes of the route (the endpoint,
its declared response model and status) and validated with pydantic's own `TypeAdapter`,
as FastAPI validates them; anything else keeps the route off the fast path.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, cast, get_args, get_origin

from fastapi import Response, params
from fastapi.datastructures import DefaultPlaceholder
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter
from starlette.routing import BaseRoute

from producers.ingress.auth import current_user
from producers.ingress.context import context

# The statuses FastAPI answers a model body with (no redirect, a body allowed).
_PLAIN_STATUSES = (None, 200, 201, 202)


@dataclass(frozen=True)
class HeaderParam:
    """One header argument: its lower-cased name on the wire and how FastAPI validates it."""

    name: str
    wire_name: bytes
    adapter: TypeAdapter[Any]
    required: bool
    default: Any


@dataclass(frozen=True)
class CommandEndpoint:
    """What it takes to call one route's endpoint without FastAPI's machinery."""

    route: APIRoute
    body_param: str
    body: TypeAdapter[Any]
    answer: TypeAdapter[Any]
    headers: tuple[HeaderParam, ...]
    user_param: str | None
    context_params: tuple[str, ...]
    response_param: str | None


def compile_routes(routes: Iterable[BaseRoute]) -> dict[str, CommandEndpoint]:
    """The POST routes the fast path can serve, by path; the others are left out."""
    table: dict[str, CommandEndpoint] = {}
    for route in routes:
        if isinstance(route, APIRoute) and (endpoint := compile_route(route)) is not None:
            table[route.path] = endpoint
    return table


def compile_route(route: APIRoute) -> CommandEndpoint | None:
    """How to call `route`'s endpoint directly, or None when FastAPI must."""
    if not _plain_json_post(route):
        return None
    parts = _Parts()
    for parameter in inspect.signature(route.endpoint, eval_str=True).parameters.values():
        if not parts.take(parameter):
            return None
    if parts.body is None:
        return None
    body_param, body = parts.body
    return CommandEndpoint(
        route=route,
        body_param=body_param,
        body=body,
        answer=TypeAdapter(route.response_model),
        headers=tuple(parts.headers),
        user_param=parts.user_param,
        context_params=tuple(parts.context_params),
        response_param=parts.response_param,
    )


def _plain_json_post(route: APIRoute) -> bool:
    """A POST answered with its response model as JSON, as FastAPI does by default."""
    return (
        route.methods == {"POST"}
        and not route.dependencies
        and route.max_body_size is None
        and isinstance(route.response_class, DefaultPlaceholder)
        and _is_model(route.response_model)
        and route.response_model_include is None
        and route.response_model_exclude is None
        and route.response_model_by_alias
        and not route.response_model_exclude_unset
        and not route.response_model_exclude_defaults
        and not route.response_model_exclude_none
        and route.status_code in _PLAIN_STATUSES
    )


class _Parts:
    """The endpoint's parameters, sorted by kind as FastAPI would resolve them."""

    def __init__(self) -> None:
        self.body: tuple[str, TypeAdapter[Any]] | None = None
        self.headers: list[HeaderParam] = []
        self.user_param: str | None = None
        self.context_params: list[str] = []
        self.response_param: str | None = None

    def take(self, parameter: inspect.Parameter) -> bool:
        """Sort `parameter`; False when it is of a kind the fast path does not resolve."""
        if parameter.kind not in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY):
            return False
        if isinstance(parameter.default, (params.Depends, params.Param, params.Body)):
            return False  # declared in the default's place: left to FastAPI
        annotation, markers = _split(parameter.annotation)
        if len(markers) > 1:
            return False
        marker = markers[0] if markers else None
        if isinstance(marker, params.Depends):
            return self._dependency(parameter.name, marker)
        if isinstance(marker, params.Header):
            return self._header(parameter, annotation, marker)
        if marker is not None:
            return False  # a query, path, cookie, body or form declaration
        if isinstance(annotation, type) and issubclass(annotation, Response):
            self.response_param = parameter.name
            return True
        if _is_model(annotation) and parameter.default is parameter.empty and self.body is None:
            self.body = (parameter.name, TypeAdapter(annotation))
            return True
        return False  # a path or query parameter, the request itself, another body

    def _dependency(self, name: str, marker: params.Depends) -> bool:
        if marker.dependency is current_user and self.user_param is None:
            self.user_param = name
            return True
        if marker.dependency is context:
            self.context_params.append(name)
            return True
        return False

    def _header(self, parameter: inspect.Parameter, annotation: Any, marker: params.Header) -> bool:
        if annotation not in (str, str | None):
            return False  # lists and converted values: FastAPI's own reading
        alias = marker.alias or (
            parameter.name.replace("_", "-") if marker.convert_underscores else parameter.name
        )
        required = parameter.default is parameter.empty
        self.headers.append(
            HeaderParam(
                name=parameter.name,
                wire_name=alias.lower().encode("latin-1"),
                adapter=_adapter(annotation, marker.metadata),
                required=required,
                default=None if required else parameter.default,
            )
        )
        return True


def _split(annotation: Any) -> tuple[Any, list[Any]]:
    """An annotation without `Annotated`, and FastAPI's declarations that it carried."""
    if get_origin(annotation) is not Annotated:
        return annotation, []
    base, *extras = get_args(annotation)
    markers = [m for m in extras if isinstance(m, (params.Depends, params.Param, params.Body))]
    return base, markers


def _adapter(annotation: Any, constraints: list[Any]) -> TypeAdapter[Any]:
    """Validation of `annotation` under a declaration's constraints (max_length, say)."""
    if not constraints:
        return TypeAdapter(annotation)
    return TypeAdapter(cast(Any, Annotated)[(annotation, *constraints)])


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)
