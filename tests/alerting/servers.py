"""Prometheus, Alertmanager and a webhook receiver for the alerting test, and how to ask
them what they know (their HTTP APIs)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from tests.support.processes import spawn

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def tool(script: str, command: str = "path") -> Path:
    """A binary `infra/<script> path` names; fails with the make target when missing."""
    located = subprocess.run(
        ["bash", str(REPO / script), command], capture_output=True, text=True, check=True
    )
    binary = Path(located.stdout.strip())
    if not binary.exists():
        pytest.fail(f"{binary} is missing: `make alerting` installs it")
    return binary


@dataclass
class Server:
    """A child process serving HTTP on `port` of 127.0.0.1, logging to `log`."""

    name: str
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, command: list[str], timeout: float = 60.0) -> None:
        with self.log.open("wb") as sink:
            self.process = spawn(command, dict(os.environ), sink)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/-/ready", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{self.name} not ready in {timeout:.0f}s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def get(self, path: str, **params: Any) -> Any:
        answer = httpx.get(f"{self.url}{path}", params=params, timeout=10)
        answer.raise_for_status()
        return answer.json()


@dataclass
class Notification:
    """One POST Alertmanager made to the webhook: which receiver, and its alerts."""

    receiver: str
    status: str
    alerts: list[dict[str, Any]]


@dataclass
class WebhookReceiver:
    """Takes Alertmanager's webhook POSTs on 127.0.0.1 and keeps them, in order."""

    notifications: list[Notification] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        """Listen on a free port; return the base URL the receivers' paths go under."""
        received = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with received._lock:
                    received.notifications.append(
                        Notification(self.path.strip("/"), body["status"], body["alerts"])
                    )
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def alerts(self, receiver: str, alertname: str, group: str) -> list[tuple[str, str]]:
        """(status, startsAt) of every notified alert `alertname` about consumer group
        `group` at `receiver`, in the order they came."""
        with self._lock:
            return [
                (alert["status"], alert["startsAt"])
                for note in self.notifications
                if note.receiver == receiver
                for alert in note.alerts
                if alert["labels"].get("alertname") == alertname
                and alert["labels"].get("group") == group
            ]


async def wait_for(what: str, check: Callable[[], T | None], timeout: float) -> T:
    """Poll `check` every half second until it returns something truthy (the event loop
    runs meanwhile); fail after `timeout` seconds saying what was awaited and last seen."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        await asyncio.sleep(0.5)
    raise AssertionError(f"{what}: not within {timeout:.0f}s (last seen: {last!r})")
