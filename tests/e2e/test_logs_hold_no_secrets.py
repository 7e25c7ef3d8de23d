"""After the whole e2e run, no line any process of the stack logged holds a secret or a
person's data: not the passwords, tokens, emails or recovery codes the tests sent and got
back, not the stack's secret key or webhook secret, not any email address or token at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.used_secrets import UsedSecrets

pytestmark = [pytest.mark.e2e, pytest.mark.last]


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
