"""The ingress's edges against the stack `azora run` starts: no bad input answers 500, and no
body is buffered without bound.

Bodies over the limit are sent over a raw connection, as an attacker would: a
`Content-Length` that no body follows, and a chunked upload that never ends. Either is
answered 413 while the client is still "sending": with a server that waited for the whole
body, no answer would ever come, and the test fails at its (generous) deadline.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.helpers import a_user, an_email, bearer, grant, login, outcome, register
from tests.support.world import World

pytestmark = pytest.mark.e2e

MAX_BODY_BYTES = 1024 * 1024  # AZORA_MAX_BODY_BYTES's default
WEBHOOK_MAX_BODY_BYTES = 512 * 1024  # AZORA_WEBHOOK_MAX_BODY_BYTES's default
CHUNK = 64 * 1024
# An answer that comes at all comes at once; this only ends a test whose server never answers.
DEADLINE_S = 30


@dataclass
class RawAnswer:
    status: int
    headers: dict[str, str]
    body: bytes

    def problem(self) -> dict[str, Any]:
        assert self.headers["content-type"] == "application/problem+json"
        document: dict[str, Any] = json.loads(self.body)
        return document


async def open_raw(stack: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    address = urlsplit(stack)
    assert address.hostname is not None
    assert address.port is not None
    return await asyncio.open_connection(address.hostname, address.port)


def request_head(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: azora", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def read_answer(reader: asyncio.StreamReader) -> RawAnswer:
    """The response on `reader`, or a failure at the deadline if none comes."""

    async def read() -> RawAnswer:
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers["content-length"]))
        return RawAnswer(int(status_line.split()[1]), headers, body)

    try:
        return await asyncio.wait_for(read(), DEADLINE_S)
    except TimeoutError:
        pytest.fail("no answer: the server is still waiting for the rest of the body")


async def test_a_declared_body_over_the_limit_is_refused_before_a_byte_of_it_is_sent(
    stack: str,
) -> None:
    reader, writer = await open_raw(stack)
    try:
        writer.write(
            request_head(
                "/v1/auth/register",
                {"Content-Type": "application/json", "Content-Length": str(64 * 1024 * 1024)},
            )
        )
        await writer.drain()

        answer = await read_answer(reader)  # not one byte of the 64 MiB was sent
    finally:
        writer.close()

    assert answer.status == 413
    assert answer.headers["connection"] == "close"
    problem = answer.problem()
    assert problem["type"] == "/problems/content_too_large"
    assert f"at most {MAX_BODY_BYTES} bytes (AZORA_MAX_BODY_BYTES)" in problem["detail"]


async def test_a_chunked_upload_is_refused_as_soon_as_it_passes_the_limit_not_at_its_end(
    stack: str,
) -> None:
    upload: Iterator[bytes] = itertools.repeat(b" " * CHUNK)  # an upload that never ends
    reader, writer = await open_raw(stack)
    sent = 0
    try:
        writer.write(
            request_head(
                "/v1/auth/register",
                {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
            )
        )
        while sent < MAX_BODY_BYTES:  # up to the limit, all of it allowed
            chunk = next(upload)
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
            sent += len(chunk)
        writer.write(b"1\r\n \r\n")  # one byte past the limit; and the upload goes on, unsent
        await writer.drain()

        answer = await read_answer(reader)
    finally:
        writer.close()

    assert answer.status == 413
    assert answer.headers["connection"] == "close"
    assert "AZORA_MAX_BODY_BYTES" in answer.problem()["detail"]
    assert next(upload, None) is not None  # the client never finished: refused mid-upload


async def test_the_stripe_webhook_refuses_a_body_over_its_own_smaller_limit(stack: str) -> None:
    reader, writer = await open_raw(stack)
    try:
        length = WEBHOOK_MAX_BODY_BYTES + 1  # within the general limit, over the webhook's
        writer.write(
            request_head(
                "/v1/webhooks/stripe",
                {"Content-Type": "application/json", "Content-Length": str(length)},
            )
        )
        await writer.drain()

        answer = await read_answer(reader)
    finally:
        writer.close()

    assert answer.status == 413
    assert "AZORA_WEBHOOK_MAX_BODY_BYTES" in answer.problem()["detail"]


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


async def test_deeply_nested_json_on_the_fast_path_is_a_422_not_a_500(
    http: httpx.AsyncClient,
) -> None:
    _, auth = await a_user(http)
    # A signed-in JSON command with a Content-Length: what the fast path serves itself.
    answer = await http.post(
        "/v1/wallet/transfers",
        content=nested(5000),
        headers={**auth, "Content-Type": "application/json"},
    )

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"] == [
        {"loc": ["body"], "msg": "JSON may nest at most 32 levels deep (AZORA_MAX_JSON_DEPTH)"}
    ]


async def test_deeply_nested_json_on_the_ordinary_path_is_the_same_422(
    http: httpx.AsyncClient,
) -> None:
    _, auth = await a_user(http)

    async def chunked() -> Any:  # a body of unknown length: the fast path leaves it to FastAPI
        yield nested(5000)

    answer = await http.post(
        "/v1/wallet/transfers",
        content=chunked(),
        headers={**auth, "Content-Type": "application/json"},
    )
    login_answer = await http.post(
        "/v1/auth/login", content=nested(5000), headers={"Content-Type": "application/json"}
    )

    for refused in (answer, login_answer):
        assert refused.status_code == 422
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"] == "/problems/validation_error"


async def test_malformed_json_is_a_422_on_both_paths(http: httpx.AsyncClient) -> None:
    _, auth = await a_user(http)
    for body in (b'{"to_user_id": ', b"\xff\xfe", b"[" * 20):
        answer = await http.post(
            "/v1/wallet/transfers",
            content=body,
            headers={**auth, "Content-Type": "application/json"},
        )
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"q": "\x00"}, "q"),
        ({"q": "data\x00base"}, "q"),
        ({"category": "\x00"}, "category"),
        ({"q": "x" * 201}, "q"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1000"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "99999999999999999999"}, "offset"),
        ({"level": "expert\x00"}, "level"),
    ],
)
async def test_a_course_search_with_a_bad_parameter_is_a_422_naming_it(
    http: httpx.AsyncClient, params: dict[str, str], name: str
) -> None:
    answer = await http.get("/v1/courses", params=params)

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert ["query", name] in [error["loc"] for error in answer.json()["errors"]]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/courses/%00",
        "/v1/courses/not-a-uuid",
        "/v1/commands/123",
        "/v1/payments/%00",
        "/v1/tutor/questions/zz",
        "/v1/learning-paths/00000000-0000-0000-0000-00000000000g",
    ],
)
async def test_a_malformed_id_in_a_path_is_a_422(http: httpx.AsyncClient, path: str) -> None:
    _, auth = await a_user(http)

    answer = await http.get(path, headers=auth)

    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["loc"][0] == "path"


@pytest.mark.parametrize(
    "cursor",
    [
        "0001-01-01T00:00:00+05:00|" + str(uuid.UUID(int=0)),  # before year 1 in UTC
        "9999-12-31T23:59:59-05:00|" + str(uuid.UUID(int=0)),  # after year 9999 in UTC
        "2026-01-01T00:00:00|" + str(uuid.UUID(int=0)),  # no time zone: not one we issued
        "2026-01-01T00:00:00+00:00|\x00",
    ],
)
async def test_a_forged_ledger_cursor_is_an_invalid_cursor_not_a_500(
    http: httpx.AsyncClient, cursor: str
) -> None:
    _, auth = await a_user(http)
    before = base64.urlsafe_b64encode(cursor.encode()).decode()

    answer = await http.get("/v1/wallet/transactions", params={"before": before}, headers=auth)

    assert answer.status_code == 422, answer.text
    assert answer.json()["type"] == "/problems/invalid_cursor"


async def test_a_nul_in_a_ledger_cursor_or_a_dead_letter_filter_is_a_422_naming_it(
    http: httpx.AsyncClient, stack_world: World
) -> None:
    email = an_email()
    accepted = await register(http, email)
    assert (await outcome(http, accepted))["status"] == "succeeded"
    grant(stack_world, accepted.json()["user_id"], "admin")

    async def admin_token() -> dict[str, str]:
        for _ in range(100):  # the grant is projected; a login after it carries the role
            auth = bearer(await login(http, email))
            if "admin" in (await http.get("/v1/me", headers=auth)).json()["roles"]:
                return auth
            await asyncio.sleep(0.2)
        pytest.fail("the admin role was never projected")

    auth = await admin_token()
    cursor = await http.get("/v1/wallet/transactions", params={"before": "\x00"}, headers=auth)
    group = await http.get("/v1/admin/dead-letters", params={"group": "a\x00"}, headers=auth)
    topic = await http.get("/v1/admin/dead-letters", params={"topic": "\x00"}, headers=auth)

    for answer, name in ((cursor, "before"), (group, "group"), (topic, "topic")):
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["loc"] == ["query", name]
