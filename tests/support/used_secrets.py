"""The secrets and personal data a test run sent to the stack or got back from it, collected
from the HTTP traffic itself, so a check can look for each of them in the stack's logs or on
its topics. Each value is remembered with its kind, so a finding can say what leaked (never
the value itself)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

import httpx

PASSWORD = "password"
TOTP_SECRET = "TOTP secret"
RECOVERY_CODE = "MFA recovery code"
ACCESS_TOKEN = "access token"
REFRESH_TOKEN = "refresh token"
CLIENT_SECRET = "Stripe client secret"
EMAIL_ADDRESS = "email address"
PASSWORD_HASH = "password hash"
WEBHOOK_SECRET = "webhook signing secret"
DEPLOYMENT_KEY = "deployment key"
API_KEY = "provider API key"
# What a value added without a kind is (a deployment's keys, a test's own constants).
UNNAMED = "a secret the run used"
# JSON fields whose values are secret or personal, in requests or answers, by their kind.
FIELD_KINDS = {
    "password": PASSWORD,
    "new_password": PASSWORD,
    "current_password": PASSWORD,
    "email": EMAIL_ADDRESS,
    "recovery_code": RECOVERY_CODE,
    "recovery_codes": RECOVERY_CODE,
    "access_token": ACCESS_TOKEN,
    "refresh_token": REFRESH_TOKEN,
    "client_secret": CLIENT_SECRET,
    "secret": TOTP_SECRET,
    "otpauth_uri": TOTP_SECRET,
}
SECRET_FIELDS = frozenset(FIELD_KINDS)
# Shorter values (a TOTP code: six digits) also stand for offsets, ports and counts.
MIN_LENGTH = 8
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")


class UsedSecrets:
    """Collects secret values from requests and answers (httpx event hooks)."""

    def __init__(self) -> None:
        self.values: set[str] = set()
        self.kinds: dict[str, str] = {}

    def add(self, *values: str, kind: str = UNNAMED) -> None:
        for value in values:
            if len(value) >= MIN_LENGTH:
                self.values.add(value)
                self.kinds.setdefault(value, kind)

    def of_kinds(self, *kinds: str) -> dict[str, str]:
        """The collected values of these kinds, each with its kind."""
        return {value: kind for value, kind in self.kinds.items() if kind in kinds}

    def hooks(self) -> dict[str, list[Any]]:
        """httpx `event_hooks` that collect from every request and answer of a client."""
        return {"request": [self._request], "response": [self._response]}

    async def _request(self, request: httpx.Request) -> None:
        authorization = request.headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            self.add(authorization[7:], kind=ACCESS_TOKEN)
        try:
            content = request.content
        except httpx.RequestNotRead:
            return  # a streamed body (the tests that send one carry no secret in it)
        self._add_fields(_json(content))

    async def _response(self, response: httpx.Response) -> None:
        await response.aread()
        self._add_fields(_json(response.content))

    def _add_fields(self, document: Any) -> None:
        for field, value in _secret_values(document):
            self.add(value, kind=FIELD_KINDS[field])

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


def _secret_values(document: Any) -> Iterator[tuple[str, str]]:
    """(field, value) for every secret or personal value in a JSON document."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key in SECRET_FIELDS:
                yield from ((key, text) for text in _strings(value))
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
