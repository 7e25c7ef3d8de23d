"""What both clients share: errors, reading answers, the token, and naming operations."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from schemas import api
from stack.client.calls import Call

M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound=Callable[..., Any])
Command = api.Accepted | uuid.UUID | str
OPERATION_ATTRIBUTE = "azora_operation_id"


def operation(operation_id: str) -> Callable[[F], F]:
    """Mark a client method as the one for `operation_id` of the OpenAPI document (the
    coverage test, `tests/unit/test_client_coverage.py`, reads these marks)."""

    def mark(method: F) -> F:
        setattr(method, OPERATION_ATTRIBUTE, operation_id)
        return method

    return mark


def operations_of(client: type) -> dict[str, str]:
    """Operation id to method name, for every marked method of `client` and its bases."""
    return {
        getattr(member, OPERATION_ATTRIBUTE): name
        for name in dir(client)
        if (member := getattr(client, name, None)) is not None
        and hasattr(member, OPERATION_ATTRIBUTE)
    }


class AzoraError(Exception):
    """An error answer: its status and, when the server sent one, its problem document."""

    def __init__(self, status: int, problem: api.ProblemDocument | None, text: str) -> None:
        super().__init__(f"{status}: {problem.title if problem else text[:200]}")
        self.status = status
        self.problem = problem


def redirect_target(response: httpx.Response) -> str:
    """Where a 302 answer points; an `AzoraError` for an error answer."""
    location: str | None = checked(response).headers.get("Location")
    if response.status_code != 302 or location is None:
        raise AzoraError(response.status_code, None, "expected a redirect")
    return location


def checked(response: httpx.Response) -> httpx.Response:
    """`response` if it is not an error answer; an `AzoraError` otherwise."""
    if response.status_code >= 400:
        try:
            problem: api.ProblemDocument | None = api.ProblemDocument.model_validate_json(
                response.content
            )
        except ValidationError:
            problem = None
        raise AzoraError(response.status_code, problem, response.text)
    return response


def read(call: Call[M], response: httpx.Response) -> M | None:
    """The answer of `call` as its model (None when it has none), or an `AzoraError`."""
    checked(response)
    if call.answer is None:
        return None
    return call.answer.model_validate_json(response.content)


def command_id_of(command: Command) -> str:
    """The id of a command, given its 202 answer or the id itself."""
    return str(command.command_id if isinstance(command, api.Accepted) else command)


class Api:
    """The token and how a described call becomes an httpx request (the same for both)."""

    token: str | None = None
    refresh_token: str | None = None

    def _request(self, call: Call[Any]) -> dict[str, Any]:
        headers = dict(call.headers)
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if call.idempotency_key:
            headers["Idempotency-Key"] = call.idempotency_key
        return {
            "method": call.method,
            "url": call.path,
            "json": call.json,
            "content": call.content,
            "params": call.params,
            "headers": headers,
            "timeout": call.timeout if call.timeout is not None else httpx.USE_CLIENT_DEFAULT,
        }

    def _remember(self, tokens: api.Tokens) -> api.Tokens:
        self.token = tokens.access_token
        self.refresh_token = tokens.refresh_token
        return tokens

    def _refresh_token(self) -> str:
        if self.refresh_token is None:
            raise ValueError("no refresh token: log in first")
        return self.refresh_token


class Blocking(Api):
    """What the blocking client's methods run on (`stack.client.methods`)."""

    _http: httpx.Client

    def run(self, call: Call[M]) -> M:
        """Send one described call and read its answer."""
        answer = self._send(call)
        assert answer is not None, f"{call.path} answers no body"
        return answer

    def _send(self, call: Call[M]) -> M | None:
        return read(call, self._http.request(**self._request(call)))

    def _response(self, call: Call[Any]) -> httpx.Response:
        """The raw answer of a call whose body is not a model (text, a free-form document)."""
        return self._http.request(**self._request(call))
