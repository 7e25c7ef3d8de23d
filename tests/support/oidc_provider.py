"""A real OpenID Connect provider for tests (NAV's mock-oauth2-server), and a browser for it.

`make oidc-mock` fetches the server (checked jars, `infra/oidc/`); `MockProvider` starts it
on a free port with a small heap. Every path's first segment is an issuer of its own with
its own signing key. Its login page is on (`interactiveLogin`): `Browser` fills it in as a
person would, choosing the subject and the claims the provider then signs.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support.processes import free_port, spawn

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "infra" / "oidc" / "mock-oauth2-server.sh"
MAIN_CLASS = "no.nav.security.mock.oauth2.StandaloneMockOAuth2ServerKt"
JVM_OPTIONS = ("-Xms32m", "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")


def libs() -> Path:
    """The checked jars, or a test failure saying how to get them."""
    path = Path(
        subprocess.run([str(SCRIPT), "libs"], capture_output=True, text=True).stdout.strip()
    )
    if not (path / ".complete").exists():
        pytest.fail(f"{path} is missing: `make oidc-mock` fetches the mock OpenID provider")
    return path


class MockProvider:
    """mock-oauth2-server in a child process that dies with the tests."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.log = log
        self._process: subprocess.Popen[bytes] | None = None

    def issuer(self, name: str) -> str:
        """The issuer URL of the provider's issuer `name`."""
        return f"http://127.0.0.1:{self.port}/{name}"

    def start(self, timeout: float = 90.0) -> MockProvider:
        """Start the server and wait until its discovery document answers."""
        env = {
            **os.environ,
            "SERVER_HOSTNAME": "127.0.0.1",
            "SERVER_PORT": str(self.port),
            "JSON_CONFIG": json.dumps({"interactiveLogin": True}),
            "LOG_LEVEL": "WARN",
        }
        command = ["java", *JVM_OPTIONS, "-cp", f"{libs()}/*", MAIN_CLASS]
        with self.log.open("wb") as sink:
            self._process = spawn(command, env, sink)
        discovery = f"{self.issuer('probe')}/.well-known/openid-configuration"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"mock-oauth2-server exited:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(discovery, timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"mock-oauth2-server not up in {timeout:.0f}s:\n{self.log.read_text()}")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL)."""
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()


@dataclass
class Returned:
    """Where a callback sent the browser: the return URL and its query."""

    url: str
    query: dict[str, str]


class Browser:
    """Follows redirects one by one, as a browser would, keeping each site's cookies.

    Asynchronous: the tests run identity and the projections in their own event loop.
    """

    def __init__(self, ingress: str) -> None:
        self.ingress = ingress
        self.http = httpx.AsyncClient(timeout=30, follow_redirects=False)

    async def close(self) -> None:
        await self.http.aclose()

    async def start(self, provider: str, **params: str) -> str:
        """Start a sign-in; the provider's authorization URL it redirects to."""
        answer = await self.http.get(f"{self.ingress}/v1/auth/oidc/{provider}/start", params=params)
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]

    async def sign_in_at_provider(
        self, authorize_url: str, subject: str, claims: dict[str, Any]
    ) -> str:
        """Fill in the provider's login page; the callback URL the provider redirects to."""
        page = await self.http.get(authorize_url)
        assert page.status_code == 200, page.text[:500]
        assert 'name="username"' in page.text, page.text[:500]
        # The form posts to the page's own URL (no action attribute).
        answer = await self.http.post(
            authorize_url, data={"username": subject, "claims": json.dumps(claims)}
        )
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]

    async def come_back(self, callback_url: str) -> httpx.Response:
        """Follow the provider's redirect to the ingress's callback."""
        return await self.http.get(callback_url)

    async def sign_in(
        self, provider: str, subject: str, claims: dict[str, Any], **params: str
    ) -> Returned:
        """The whole round-trip, ending where the callback redirects (the return URL)."""
        authorize = await self.start(provider, **params)
        answer = await self.come_back(await self.sign_in_at_provider(authorize, subject, claims))
        assert answer.status_code == 302, answer.text
        return returned(answer.headers["location"])


def returned(location: str) -> Returned:
    """A return URL and its query, one value per name."""
    parts = urlsplit(location)
    base = f"{parts.scheme}://{parts.netloc}{parts.path}"
    return Returned(base, {name: values[0] for name, values in parse_qs(parts.query).items()})
