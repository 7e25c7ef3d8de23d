"""Webhooks signed exactly as Stripe signs them: HMAC-SHA256 over "<t>.<body>"."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any


def event(kind: str, obj: dict[str, Any], event_id: str | None = None) -> bytes:
    """A Stripe event body of `kind` about `obj`."""
    return json.dumps(
        {
            "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
            "object": "event",
            "type": kind,
            "api_version": "2024-06-20",
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }
    ).encode()


def signature(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header for `body`."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"
