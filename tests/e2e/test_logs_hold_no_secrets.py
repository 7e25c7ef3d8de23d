"""After the whole e2e run, no line any process of the stack logged holds a secret or a
person's data: not the passwords, tokens, emails or recovery codes the tests sent and got
back, not the stack's secret key or webhook secret, not any email address or token at all.
And every line is a JSON object an operator can search, by trace id among the rest."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.helpers import until
from tests.support.used_secrets import UsedSecrets

pytestmark = [pytest.mark.e2e, pytest.mark.last]

# What every line says, whoever logged it (azora/logs.py).
BASICS = {"timestamp", "level", "role", "logger", "message"}


def test_no_log_line_of_the_whole_run_holds_a_secret_or_an_email(
    stack: str, stack_log: Path, used_secrets: UsedSecrets
) -> None:
    lines = stack_log.read_text(encoding="utf-8", errors="replace").splitlines()

    found = used_secrets.found_in(lines)

    assert found == [], f"{len(found)} lines of {stack_log} hold secrets: {found[:20]}"
    # The check had something to look for, and lines to look in: the run's own.
    assert len(used_secrets.values) >= 10
    access = [line for line in lines if '"logger": "azora.access"' in line]
    assert len(access) >= 10
    # A route template, never a path with ids; a path no route matches (a browser's
    # /favicon.ico, say) is logged as "unmatched", one bounded value.
    routes = {json.loads(line)["http_route"] for line in access}
    assert all(route.startswith("/") or route == "unmatched" for route in routes), routes


async def test_every_log_line_of_the_run_is_json_and_a_request_s_line_carries_its_trace_id(
    stack_log: Path, http: httpx.AsyncClient
) -> None:
    trace_id = secrets.token_hex(16)
    traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"

    answer = await http.get("/v1/courses", headers={"traceparent": traceparent})
    assert answer.status_code == 200

    async def traced() -> list[dict[str, Any]]:
        records = [json.loads(line) for line in _lines(stack_log)]
        return [r for r in records if r.get("trace_id") == trace_id]

    # The stack writes its lines on its own time: wait for the request's, generously.
    lines = await until(traced, timeout=60)
    assert [(r["logger"], r["http_route"], r["http_status"]) for r in lines] == [
        ("azora.access", "/v1/courses", 200)
    ]
    records = [json.loads(line) for line in _lines(stack_log)]
    assert len(records) >= 10
    lacking = [r for r in records if BASICS - r.keys()]
    assert lacking == [], f"{len(lacking)} lines lack {sorted(BASICS)}: {lacking[:5]}"
    assert {r["role"] for r in records} >= {"ingress", "identity", "projections"}


def _lines(log: Path) -> list[str]:
    """The log's whole lines so far (the last may still be being written), blank ones left
    out; json.loads of each fails the test on one that is not JSON."""
    written = log.read_text(encoding="utf-8").split("\n")[:-1]
    return [line for line in written if line.strip()]
