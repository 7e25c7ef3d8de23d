"""The TypeScript client against the running stack: its own tests (`clients/typescript/test`),
built with tsc and run by Node's test runner with AZORA_BASE_URL pointing at the stack."""

from __future__ import annotations

import re

import pytest

from tests.support.typescript import run_tool

pytestmark = pytest.mark.e2e


def test_the_typescript_client_registers_waits_retries_refreshes_and_reads_problems(
    stack: str,
) -> None:
    run_tool("tsc", "-p", ".")
    output = run_tool("node", "--test", "dist/test/", env={"AZORA_BASE_URL": stack})
    counts = dict(re.findall(r"^# (pass|fail|skipped) (\d+)$", output, re.MULTILINE))
    # Every test of both files ran (the stack's are skipped without AZORA_BASE_URL).
    assert counts == {"pass": counts.get("pass"), "fail": "0", "skipped": "0"}, output[-3000:]
    assert int(counts["pass"]) >= 15, output[-3000:]
