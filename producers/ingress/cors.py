"""CORS for browser apps on other origins, from settings; off (no headers at all) by default."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from azora.settings import Settings

# What a browser app sends besides the simple headers: its token, its JSON, its retry key
# and its trace context.
ALLOWED_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "traceparent", "tracestate")
# What it may read from an answer besides the simple headers: where a created command's
# status lives (202), and how long to wait before trying again (429, 503).
EXPOSED_HEADERS = ("Location", "Retry-After")
METHODS = ("GET", "POST", "DELETE")


def install(app: FastAPI, settings: Settings) -> None:
    """Answer preflights and label answers for the configured origins (nothing when none)."""
    if not settings.cors_allow_origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_allow_origins),
        allow_credentials=settings.cors_allow_credentials,
        allow_methods=list(METHODS),
        allow_headers=list(ALLOWED_HEADERS),
        expose_headers=list(EXPOSED_HEADERS),
        max_age=settings.cors_max_age_s,
    )
