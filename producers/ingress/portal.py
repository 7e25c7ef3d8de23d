"""The student portal's built files at /portal/, with the config.json it reads first.

The portal is a static single-page app (`web/portal/`, built by `make portal`); served
here it calls the API on its own origin, so it needs no CORS. A static host elsewhere
serves the same files with a config.json of its own naming the API's origin.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from azora.settings import Settings

log = logging.getLogger(__name__)

PREFIX = "/portal"
# The page runs only its own scripts and styles, talks only to its own origin, draws the
# QR code as a data: image, and is framed by nobody (no clickjacking of the payment or MFA
# controls).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
        "object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# Vite names built assets by their content's hash: a changed file has a new name.
IMMUTABLE = "public, max-age=31536000, immutable"


class PortalFiles(StaticFiles):
    """Static files with the portal's headers: fingerprinted assets cached for good,
    everything else (index.html) checked on each visit."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(SECURITY_HEADERS)
        fingerprinted = path.startswith("assets/") and response.status_code == 200
        response.headers["Cache-Control"] = IMMUTABLE if fingerprinted else "no-cache"
        return response


def install(app: FastAPI, settings: Settings) -> bool:
    """Serve the built portal when its folder holds a build; say so when it does not."""
    if not settings.portal_dir:
        return False
    folder = Path(settings.portal_dir)
    if not (folder / "index.html").is_file():
        log.warning(
            "portal: no build at %s (run `make portal`); /portal/ is not served", folder.resolve()
        )
        return False

    @app.get(f"{PREFIX}/config.json", include_in_schema=False)
    async def portal_config() -> JSONResponse:
        # Same origin as the API: no base URL; the dev payment control as configured.
        config = {"apiBase": "", "devPayments": settings.dev_payment_controls}
        return JSONResponse(config, headers={"Cache-Control": "no-store", **SECURITY_HEADERS})

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/")

    app.mount(PREFIX, PortalFiles(directory=folder, html=True), name="portal")
    return True
