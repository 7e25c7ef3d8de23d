"""The ingress's OpenAPI document, built in memory: no server, broker or database needed.

Clients are generated from it (`make ts-client`), and `azora openapi` prints it. The app
is built with throwaway secrets that nothing reads: the document depends only on the
routes and the contract's models, never on a deployment's settings.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from azora.settings import Settings
from stack import composition


def document() -> dict[str, Any]:
    """The OpenAPI document the ingress serves at /openapi.json."""
    settings = Settings(
        env="test",
        secret_key=secrets.token_urlsafe(48),
        stripe_webhook_secret="whsec_" + secrets.token_urlsafe(24),
        payment_sealing_key=secrets.token_urlsafe(48),
        personal_data_key=secrets.token_urlsafe(48),
    )
    openapi: dict[str, Any] = composition.ingress_app(settings).openapi()
    return openapi


def as_text(openapi: dict[str, Any]) -> str:
    """The document as committed beside the clients: stable key order, one trailing newline."""
    return json.dumps(openapi, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
