"""The built student portal for browser tests: a second origin to serve it from, and
Debian's Chromium driven by Playwright (never a browser Playwright downloads)."""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, async_playwright

PORTAL_DIST = Path(__file__).parents[2] / "web" / "portal" / "dist"
CHROMIUM = Path("/usr/bin/chromium")
# What works headless in a container, as root, with no network but loopback. Playwright
# gives each launch a fresh profile directory of its own (a --user-data-dir it deletes).
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def require_build() -> Path:
    """The portal's build folder; a clear failure when `make portal` has not run."""
    if not (PORTAL_DIST / "index.html").is_file():
        raise RuntimeError(f"no portal build at {PORTAL_DIST}: run `make portal` first")
    return PORTAL_DIST


class StaticOrigin:
    """The built portal on another origin (a plain static server on its own port), with
    a config.json that points it at the API's origin."""

    def __init__(self, port: int, config: dict[str, Any]) -> None:
        handler = functools.partial(_PortalFiles, config, directory=str(require_build()))
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.origin = f"http://127.0.0.1:{port}"

    def __enter__(self) -> StaticOrigin:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class _PortalFiles(SimpleHTTPRequestHandler):
    def __init__(self, config: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        self._config = json.dumps(config).encode()
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        if self.path.split("?")[0] != "/config.json":
            super().do_GET()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self._config)))
        self.end_headers()
        self.wfile.write(self._config)

    def log_message(self, *_: Any) -> None:
        pass  # quiet: pytest shows failures, not every asset fetched


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Debian's Chromium (`make chromium` installs it), headless, under Playwright."""
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 (once, before the browser starts)
        raise RuntimeError(f"{CHROMIUM} is missing: run `make chromium` (apt-get install)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield browser
        finally:
            await browser.close()
