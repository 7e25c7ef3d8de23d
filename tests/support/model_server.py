"""An OpenAI-compatible chat-completions server for the tests, run in a thread.

What it does is chosen per request by markers in the last user message, so concurrent
tests never interfere: `#429` answers 429 with Retry-After: 1 the first time, `#hang`
never answers, `#malformed` returns non-JSON to a structured-output request every time,
`#malformed-once` only the first time. It records every request it received.

Like OpenAI, it refuses (400, `invalid_request_error`) a strict structured-output request
whose schema breaks the rules OpenAI documents (`tests/support/strict_schema.py`), so a
schema OpenAI would refuse fails the tests too.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import Counter
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.strict_schema import strict_schema_errors

MODEL = "fake-tutor-1"
SCHEMA_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


class ModelServer:
    """The server, the requests it saw (with arrival times), and its address."""

    def __init__(self) -> None:
        self.requests: list[tuple[float, dict[str, Any]]] = []
        self._seen: Counter[str] = Counter()
        app = Starlette(routes=[Route("/v1/chat/completions", self._chat, methods=["POST"])])
        self._server = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=0,
                log_level="warning",
                timeout_graceful_shutdown=1,
            )
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def base_url(self) -> str:
        port = self._server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1"

    def start(self) -> ModelServer:
        self._thread.start()
        while not self._server.started:
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)

    def received(self, marker: str) -> list[tuple[float, dict[str, Any]]]:
        """The requests whose messages mention `marker`."""
        return [(t, r) for t, r in self.requests if marker in json.dumps(r["messages"])]

    async def _chat(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.requests.append((time.monotonic(), body))
        last = [m["content"] for m in body["messages"] if m["role"] == "user"][-1]
        self._seen[last] += 1
        first = self._seen[last] == 1
        if "#429" in last and first:
            return JSONResponse(
                {"error": {"message": "slow down", "type": "rate_limit_error"}},
                status_code=429,
                headers={"Retry-After": "1"},
            )
        if "#hang" in last:
            await asyncio.sleep(3600)
        refused = _refused_response_format(body.get("response_format"))
        if refused is not None:
            return JSONResponse(
                {
                    "error": {
                        "message": refused,
                        "type": "invalid_request_error",
                        "param": "response_format",
                        "code": "invalid_json_schema",
                    }
                },
                status_code=400,
            )
        if body.get("response_format"):
            malformed = ("#malformed-once" in last and first) or (
                "#malformed" in last and "#malformed-once" not in last
            )
            content = "this is not json" if malformed else json.dumps(_path(body))
        else:
            content = f"Answer to: {last}"
        return JSONResponse(
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": MODEL,
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": content},
                    }
                ],
                "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19},
            }
        )


def _refused_response_format(response_format: Any) -> str | None:
    """OpenAI's reason to refuse a `json_schema` response format, if it has one."""
    if not isinstance(response_format, dict) or response_format.get("type") != "json_schema":
        return None
    spec = response_format.get("json_schema") or {}
    name = spec.get("name", "")
    if not SCHEMA_NAME.match(str(name)):
        return f"Invalid 'response_format.json_schema.name': {name!r}"
    if not spec.get("strict"):
        return None
    errors = strict_schema_errors(spec.get("schema"))
    if not errors:
        return None
    return f"Invalid schema for response_format '{name}': {errors[0]}"


def _path(body: dict[str, Any]) -> dict[str, Any]:
    catalogue = " ".join(m["content"] for m in body["messages"] if m["role"] == "system")
    known = re.findall(r'"course_id": "([0-9a-f-]{36})"', catalogue)[:1]
    invented = "00000000-0000-0000-0000-000000000001"
    return {
        "steps": [
            {"title": "Foundations", "objectives": ["read the basics"], "course_ids": known},
            {"title": "Practice", "objectives": ["build something"], "course_ids": [invented]},
        ]
    }
