"""Child processes for tests that die with the test run, however it ends."""

from __future__ import annotations

import random
import socket
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from azora.runtime import die_with_parent

# Where blocks of ports start at the lowest: above the well-known services' ports.
BLOCKS_FROM = 20_000


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
    """The first of `size` consecutive TCP ports nothing listens on right now.

    Taken below the kernel's ephemeral range: a port in that range (what `free_port` returns)
    can be handed to any outgoing connection, a Kafka or Postgres client's, in the seconds
    before the server meant for it binds, and that server then fails with "address in use".
    """
    first_ephemeral = _first_ephemeral_port()
    pick = random.SystemRandom()
    for _ in range(500):
        base = pick.randrange(BLOCKS_FROM, first_ephemeral - size)
        if all(_bindable(base + n) for n in range(size)):
            return base
    raise RuntimeError(f"no {size} consecutive free ports found below {first_ephemeral}")


def _first_ephemeral_port() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
