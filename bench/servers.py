"""Servers a benchmark starts and measures: processes on free ports, their peak memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence

import httpx

from azora.runtime import die_with_parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(
    command: Sequence[str], env: dict[str, str], ready_url: str, timeout: float = 60.0
) -> subprocess.Popen[bytes]:
    """Start `command` (dies with us) and wait until `ready_url` answers 200."""
    process = subprocess.Popen(
        [sys.executable, *command],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=die_with_parent,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{command} exited with {process.returncode}")
        try:
            if httpx.get(ready_url, timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{command} not ready at {ready_url}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident set (VmHWM) so far, in MiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for pid {pid}")


def children(pid: int) -> dict[str, int]:
    """The child processes of `azora run` by role (`consume payments`, `relay`, ...)."""
    listed = subprocess.run(["pgrep", "-a", "-P", str(pid)], capture_output=True, text=True)
    found = {}
    for line in listed.stdout.splitlines():
        child, _, command = line.partition(" ")
        words = command.split()
        name = " ".join(words[words.index("stack") + 1 :]) if "stack" in words else command
        found[name] = int(child)
    return found
