"""Request bodies bounded while read, JSON bounded in depth, text query parameters free of NUL."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from starlette.types import Message, Receive, Scope, Send

from azora.oidc_settings import PROVIDER_NAME
from producers.ingress.body_limits import BodyLimit, RequestBodyLimits
from producers.ingress.json_depth import deeper_than
from producers.ingress.query_text import NO_NUL
from producers.ingress.tokens import TokenService
from tests.support.ingress_app import RecordingTransport, in_memory_app, in_memory_client
from tests.support.secrets import random_secret_key

SECRET = random_secret_key()
LIMIT = 1000
WEBHOOK_LIMIT = 300
DEPTH = 8


class Downstream:
    """The app behind the middleware: records the body it read, answers 200."""

    def __init__(self) -> None:
        self.called = False
        self.body = b""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.called = True
        more = True
        while more:
            message = await receive()
            self.body += message.get("body", b"")
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


class Client:
    """Sends `chunks` one `receive` at a time and counts how many the middleware took."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.taken = 0
        self.sent: list[Message] = []

    async def receive(self) -> Message:
        chunk = next(self.chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        self.taken += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def headers(self) -> dict[bytes, bytes]:
        return dict(self.sent[0]["headers"])

    @property
    def problem(self) -> dict[str, Any]:
        return dict(json.loads(b"".join(m.get("body", b"") for m in self.sent[1:])))


def serve(
    chunks: Iterator[bytes],
    *,
    path: str = "/v1/wallet/transfers",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> tuple[Client, Downstream]:
    downstream = Downstream()
    middleware = RequestBodyLimits(
        downstream,
        default=BodyLimit(LIMIT, "AZORA_MAX_BODY_BYTES"),
        by_path={"/v1/webhooks/stripe": BodyLimit(WEBHOOK_LIMIT, "AZORA_WEBHOOK_MAX_BODY_BYTES")},
        max_json_depth=DEPTH,
    )
    client = Client(chunks)
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "headers": headers
        if headers is not None
        else [(b"transfer-encoding", b"chunked"), (b"content-type", b"application/json")],
    }
    asyncio.run(middleware(scope, client.receive, client.send))
    return client, downstream


def forever(chunk: bytes) -> Iterator[bytes]:
    return itertools.repeat(chunk)


# --------------------------------------------------------------------------- body size


def test_a_declared_length_over_the_limit_is_refused_before_a_byte_is_read() -> None:
    client, downstream = serve(
        forever(b"x" * 100), headers=[(b"content-length", str(LIMIT + 1).encode())]
    )

    assert client.status == 413
    assert client.taken == 0
    assert not downstream.called
    assert client.headers[b"content-type"] == b"application/problem+json"
    assert client.headers[b"connection"] == b"close"
    assert "at most 1000 bytes (AZORA_MAX_BODY_BYTES)" in client.problem["detail"]


def test_a_chunked_body_is_refused_as_soon_as_its_count_passes_the_limit() -> None:
    client, downstream = serve(forever(b"x" * 100))  # an endless upload

    assert client.status == 413
    assert client.taken == LIMIT // 100 + 1  # the chunk that passed the limit, no more
    assert not downstream.called
    assert client.problem["type"] == "/problems/content_too_large"


def test_a_body_within_the_limit_reaches_the_app_whole() -> None:
    chunks = [b'{"a": "', b"x" * (LIMIT - 20), b'"}']

    client, downstream = serve(iter(chunks))

    assert client.status == 200
    assert downstream.body == b"".join(chunks)


def test_the_webhook_has_a_limit_of_its_own() -> None:
    body = b"x" * (WEBHOOK_LIMIT + 1)
    headers = [(b"content-length", str(len(body)).encode())]

    webhook, _ = serve(iter([body]), path="/v1/webhooks/stripe", headers=headers)
    other, _ = serve(iter([body]), headers=headers)

    assert webhook.status == 413
    assert "AZORA_WEBHOOK_MAX_BODY_BYTES" in webhook.problem["detail"]
    assert other.status == 200


def test_a_client_that_goes_away_mid_body_is_not_answered_and_reaches_no_route() -> None:
    downstream = Downstream()
    middleware = RequestBodyLimits(
        downstream, default=BodyLimit(LIMIT, "X"), by_path={}, max_json_depth=DEPTH
    )
    messages = iter(
        [
            {"type": "http.request", "body": b"{", "more_body": True},
            {"type": "http.disconnect"},
        ]
    )
    sent: list[Message] = []

    async def receive() -> Message:
        return next(messages)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": [(b"content-length", b"9")]}
    asyncio.run(middleware(scope, receive, send))

    assert not downstream.called
    assert sent == []


def test_a_request_without_a_body_passes_untouched() -> None:
    client, downstream = serve(iter([]), headers=[])

    assert client.status == 200
    assert downstream.called
    assert client.taken == 0


# --------------------------------------------------------------------------- JSON depth


def nested(depth: int, open_: str = "[", close: str = "]") -> bytes:
    return (open_ * depth + close * depth).encode()


def test_json_nested_deeper_than_the_limit_is_refused_as_invalid() -> None:
    body = nested(DEPTH + 1)
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]

    client, downstream = serve(iter([body]), headers=headers)

    assert client.status == 422
    assert not downstream.called
    assert client.problem["type"] == "/problems/validation_error"
    assert client.problem["errors"] == [
        {"loc": ["body"], "msg": "JSON may nest at most 8 levels deep (AZORA_MAX_JSON_DEPTH)"}
    ]


def test_a_body_that_is_not_json_is_not_measured_as_json() -> None:
    body = nested(DEPTH + 1)
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"text/plain")]

    client, _ = serve(iter([body]), headers=headers)

    assert client.status == 200


@pytest.mark.parametrize(
    ("body", "deeper"),
    [
        (nested(DEPTH), False),
        (nested(DEPTH + 1), True),
        (nested(DEPTH + 1, "{", "}"), True),
        (b'{"a": [{"b": [[{}]]}]}', False),
        (b"[" * (DEPTH + 1), True),  # unclosed: a parser would recurse as deep
        (b"[" + b"[]," * 500 + b"[]]", False),  # many brackets, shallow
        (json.dumps({"text": "[" * 500 + "{" * 500}).encode(), False),  # inside a string
        (json.dumps({"t": '"[[[[[[[[[[[[' + "\\"}).encode(), False),  # escaped quotes
        (b'["\\"", ' + nested(DEPTH) + b"]", True),
        (b"", False),
    ],
)
def test_depth_counts_the_brackets_outside_strings(body: bytes, deeper: bool) -> None:
    assert deeper_than(body, DEPTH) is deeper


# --------------------------------------------------------------------------- the app


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast path", "FastAPI"])
def test_deeply_nested_json_is_a_422_on_either_path_never_a_500(fast_path: bool) -> None:
    client = in_memory_client(RecordingTransport(), SECRET, fast_path=fast_path)
    body = nested(5000)

    answer = client.post(
        "/v1/auth/register", content=body, headers={"content-type": "application/json"}
    )

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast path", "FastAPI"])
def test_a_body_over_the_limit_is_a_413_on_either_path(fast_path: bool) -> None:
    client = in_memory_client(RecordingTransport(), SECRET, fast_path=fast_path)

    answer = client.post(
        "/v1/auth/register",
        content=b" " * (1024 * 1024 + 1),
        headers={"content-type": "application/json"},
    )

    assert answer.status_code == 413
    assert "AZORA_MAX_BODY_BYTES" in answer.json()["detail"]


@pytest.mark.parametrize(("name", "value"), [("q", "a\x00b"), ("category", "\x00")])
def test_a_nul_in_a_search_is_a_422_naming_the_parameter(name: str, value: str) -> None:
    client = in_memory_client(RecordingTransport(), SECRET)

    answer = client.get("/v1/courses", params={name: value})

    assert answer.status_code == 422
    assert [e["loc"] for e in answer.json()["errors"]] == [["query", name]]


def test_every_text_query_parameter_is_bounded_and_refuses_nul() -> None:
    document = in_memory_app(RecordingTransport(), SECRET).openapi()
    text_parameters = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "query":
                    continue
                schema = parameter["schema"]
                choices = schema.get("anyOf", [schema])
                for choice in choices:
                    if choice.get("type") == "string" and "enum" not in choice:
                        text_parameters.append((method, path, parameter["name"], choice))

    assert text_parameters, "no text query parameter found: the walk is broken"
    for method, path, name, schema in text_parameters:
        assert schema.get("pattern") == NO_NUL, f"{method} {path} ?{name} may hold NUL"
        assert "maxLength" in schema, f"{method} {path} ?{name} is unbounded"


def test_every_path_parameter_is_a_uuid_or_a_provider_name() -> None:
    document = in_memory_app(RecordingTransport(), SECRET).openapi()
    checked = 0
    for path, operations in document["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] == "provider":
                    # A sign-in provider's name, as the settings allow names.
                    assert parameter["schema"].get("pattern") == f"^{PROVIDER_NAME.pattern}$"
                elif parameter["in"] == "path":
                    assert parameter["schema"].get("format") == "uuid", (path, parameter)
                    checked += 1
    assert checked >= 5, "no path parameter found: the walk is broken"


@pytest.mark.parametrize(
    "params",
    [{"limit": "0"}, {"limit": "101"}, {"offset": "-1"}, {"offset": "10001"}, {"limit": "x"}],
)
def test_paging_out_of_range_is_a_422(params: dict[str, str]) -> None:
    client = in_memory_client(RecordingTransport(), SECRET)

    answer = client.get("/v1/courses", params=params)

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["loc"] == ["query", next(iter(params))]


def test_a_body_within_the_limits_is_still_served_by_the_fast_path() -> None:
    client: TestClient = in_memory_client(RecordingTransport(), SECRET)
    served = "azora_ingress_fast_path_requests_total"
    before = REGISTRY.get_sample_value(served, {"outcome": "served"}) or 0.0

    # A transfer: registration reads the client's address, so FastAPI serves it.
    token = TokenService(SECRET, 3600, 3600).issue(uuid.uuid4(), ("student",), uuid.uuid4(), 0)
    answer = client.post(
        "/v1/wallet/transfers",
        json={"to_user_id": str(uuid.uuid4()), "amount_minor": 100, "currency": "EUR"},
        headers={"Authorization": f"Bearer {token.access_token}"},
    )

    assert answer.status_code == 202
    assert REGISTRY.get_sample_value(served, {"outcome": "served"}) == before + 1
