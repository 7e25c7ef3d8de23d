"""Which error statuses an ingress operation can answer, read from its code.

An operation's endpoint and dependencies are read for `Problem(<status>, ...)` (and
`problem_response(<status>, ...)`), following every function of the ingress they name, at any
depth: a helper that raises a 409 makes every endpoint that calls it able to answer 409.
Statuses given as variables are not seen; what is seen must be documented.
"""

from __future__ import annotations

import inspect
import re
import types
from collections.abc import Callable, Iterator
from typing import Any, TypeGuard

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

PACKAGE = "producers.ingress"
_RAISED = re.compile(r"\b(?:Problem|problem_response)\(\s*(\d{3})\b")


def raised_statuses(route: APIRoute) -> set[int]:
    """Every literal error status the route's endpoint or its dependencies can answer."""
    statuses: set[int] = set()
    seen: set[Callable[..., Any]] = set()
    pending = [route.endpoint, *(call for call in _dependency_calls(route.dependant))]
    while pending:
        function = pending.pop()
        if function in seen:
            continue
        seen.add(function)
        statuses.update(int(s) for s in _RAISED.findall(inspect.getsource(function)))
        pending.extend(_ingress_functions_named_by(function))
    return statuses


def _dependency_calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None and inspect.isfunction(dependency.call):
            yield dependency.call
        yield from _dependency_calls(dependency)


def _ingress_functions_named_by(function: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
    """The ingress's functions that `function` names, directly or as `module.name`."""
    names = set(_names(function.__code__))
    for name in names:
        target = function.__globals__.get(name)
        if _is_ingress_function(target):
            yield target
        elif isinstance(target, types.ModuleType) and target.__name__.startswith(PACKAGE):
            for attribute in names:
                member = getattr(target, attribute, None)
                if _is_ingress_function(member):
                    yield member


def _names(code: types.CodeType) -> Iterator[str]:
    yield from code.co_names
    for constant in code.co_consts:  # nested functions (a command's `build`, say)
        if isinstance(constant, types.CodeType):
            yield from _names(constant)


def _is_ingress_function(value: Any) -> TypeGuard[Callable[..., Any]]:
    return inspect.isfunction(value) and value.__module__.startswith(PACKAGE)
