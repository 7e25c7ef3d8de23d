"""A sign-in in flight: what the start hands the provider, and what the callback checks.

The state, the nonce and the PKCE verifier never sit on the server (the ingress keeps
nothing between requests, and any replica may take the callback): they travel sealed
(AES-GCM under a key derived from AZORA_SECRET_KEY) in a short-lived, HttpOnly,
SameSite=Lax cookie scoped to /v1/auth/oidc. The cookie binds the flow to the browser that
started it: a callback URL replayed elsewhere, or forged, finds no matching cookie.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import uuid
from dataclasses import asdict, dataclass
from typing import Literal

from cryptography.exceptions import InvalidTag

from azora.crypto import SecretBox

Purpose = Literal["sign_in", "link", "reauthenticate"]
COOKIE_PATH = "/v1/auth/oidc"
_COOKIE_PREFIX = "azora_oidc_"
MAX_COOKIE_CHARS = 3000


class FlowRejected(Exception):
    """The callback does not belong to a sign-in this browser started (or it expired)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class Flow:
    """One sign-in in flight."""

    provider: str
    state: str
    nonce: str
    verifier: str
    return_to: str
    purpose: Purpose
    user_id: str | None  # who links or re-authenticates (None for a sign-in)
    expires_at: float

    @property
    def challenge(self) -> str:
        """The PKCE S256 challenge of the verifier (RFC 7636 4.2)."""
        digest = hashlib.sha256(self.verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    @property
    def account(self) -> uuid.UUID | None:
        """The account a link or a re-authentication is for."""
        return uuid.UUID(self.user_id) if self.user_id else None


def new_flow(
    provider: str,
    return_to: str,
    purpose: Purpose,
    user_id: uuid.UUID | None,
    *,
    now: float,
    ttl_s: int,
) -> Flow:
    """A fresh flow: random state, nonce and verifier (256 bits each)."""
    return Flow(
        provider=provider,
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(48),  # 64 characters: within RFC 7636's 43..128
        return_to=return_to,
        purpose=purpose,
        user_id=str(user_id) if user_id else None,
        expires_at=now + ttl_s,
    )


def cookie_name(state: str) -> str:
    """The cookie a flow travels in: one per flow, so two tabs signing in do not collide."""
    return _COOKIE_PREFIX + hashlib.sha256(state.encode()).hexdigest()[:24]


class FlowCookies:
    """Seals flows into cookie values and opens them again."""

    def __init__(self, secret_key: str) -> None:
        self._box = SecretBox(secret_key, purpose="azora.oidc-flow")

    def seal(self, flow: Flow) -> str:
        """The cookie value carrying `flow`."""
        return self._box.seal(json.dumps(asdict(flow), separators=(",", ":")))

    def open(self, value: str | None, state: str, provider: str, *, now: float) -> Flow:
        """The flow a callback with `state` continues, or `FlowRejected` saying why not."""
        if not value:
            raise FlowRejected(
                "unknown_state",
                "no sign-in with this state was started in this browser (or it finished "
                "already); start again",
            )
        try:
            if len(value) > MAX_COOKIE_CHARS:
                raise ValueError("too long")
            flow = Flow(**json.loads(self._box.open(value)))
        except (InvalidTag, ValueError, TypeError) as exc:
            raise FlowRejected("invalid_state", "the sign-in cookie was tampered with") from exc
        if not secrets.compare_digest(flow.state.encode(), state.encode()):
            raise FlowRejected("invalid_state", "the state does not match this sign-in")
        if flow.provider != provider:
            raise FlowRejected("invalid_state", "this sign-in was started with another provider")
        if now >= flow.expires_at:
            raise FlowRejected("flow_expired", "this sign-in took too long; start again")
        return flow
