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
    passed = re.search(r"^# pass (\d+)$", output, re.MULTILINE)
    skipped = re.search(r"^# skipped (\d+)$", output, re.MULTILINE)
    assert passed is not None and int(passed.group(1)) >= 15, output[-3000:]
    assert skipped is not None and skipped.group(1) == "0", output[-3000:]
