"""The secrets and personal data a test run sent to the stack or got back from it, collected
from the HTTP traffic itself, so a check can look for each of them in the stack's logs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

import httpx

# JSON fields whose values are secret or personal, in requests or answers.
SECRET_FIELDS = frozenset(
    {
        "password",
        "new_password",
        "current_password",
        "email",
        "recovery_code",
        "recovery_codes",
        "access_token",
        "refresh_token",
        "client_secret",
        "secret",
        "otpauth_uri",
    }
)
# Shorter values (a TOTP code: six digits) also stand for offsets, ports and counts.
MIN_LENGTH = 8
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")


class UsedSecrets:
    """Collects secret values from requests and answers (httpx event hooks)."""

    def __init__(self) -> None:
        self.values: set[str] = set()

    def add(self, *values: str) -> None:
        self.values.update(v for v in values if len(v) >= MIN_LENGTH)

    def hooks(self) -> dict[str, list[Any]]:
        """httpx `event_hooks` that collect from every request and answer of a client."""
        return {"request": [self._request], "response": [self._response]}

    async def _request(self, request: httpx.Request) -> None:
        authorization = request.headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            self.add(authorization[7:])
        try:
            content = request.content
        except httpx.RequestNotRead:
            return  # a streamed body (the tests that send one carry no secret in it)
        self.add(*_secret_values(_json(content)))

    async def _response(self, response: httpx.Response) -> None:
        await response.aread()
        self.add(*_secret_values(_json(response.content)))

    def found_in(self, lines: Iterable[str]) -> list[tuple[int, str]]:
        """(line number, what) for every line holding a collected value, an email address or
        a token; `what` names the kind, never the value itself."""
        found = []
        for number, line in enumerate(lines, start=1):
            if EMAIL.search(line):
                found.append((number, "an email address"))
            if JWT.search(line):
                found.append((number, "a token"))
            if any(value in line for value in self.values):
                found.append((number, "a secret the run used"))
        return found


def _json(content: bytes) -> Any:
    try:
        return json.loads(content)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python reads
        return None


def _secret_values(document: Any) -> Iterator[str]:
    if isinstance(document, dict):
        for key, value in document.items():
            if key in SECRET_FIELDS:
                yield from _strings(value)
            else:
                yield from _secret_values(value)
    elif isinstance(document, list):
        for item in document:
            yield from _secret_values(item)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
