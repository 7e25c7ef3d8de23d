"""Running the TypeScript client's tools (installed by `make ts-deps`) from a test."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

CLIENT = Path(__file__).parents[2] / "clients" / "typescript"
BIN = CLIENT / "node_modules" / ".bin"


def run_tool(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    """Run one of the client's npm tools (`tsc`, `openapi-typescript`) or `node` in its folder;
    its output, or an AssertionError carrying it when the tool fails."""
    assert BIN.is_dir(), f"{BIN} is missing: run `make ts-deps` (npm ci from the lockfile)"
    tool = args[0] if args[0] == "node" else str(BIN / args[0])
    done = subprocess.run(
        [tool, *args[1:]],
        cwd=CLIENT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(args)} failed ({done.returncode}):\n{output[-6000:]}"
    return output
