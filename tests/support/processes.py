"""Child processes for tests that die with the test run, however it ends."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Sequence
from typing import IO, Any

from azora.runtime import die_with_parent


def spawn(
    command: Sequence[str], env: dict[str, str], output: IO[Any] | None = None
) -> subprocess.Popen[bytes]:
    """Start `command`; it is SIGKILLed if the test process goes away first."""
    return subprocess.Popen(
        list(command), env=env, stdout=output, stderr=output, preexec_fn=die_with_parent
    )


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def free_port_block(size: int) -> int:
    """The first of `size` consecutive TCP ports nothing listens on right now."""
    for _ in range(200):
        base = free_port()
        if base + size <= 65535 and all(_bindable(base + n) for n in range(size)):
            return base
    raise RuntimeError(f"no {size} consecutive free ports found")


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
