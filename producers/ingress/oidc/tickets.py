"""The short-lived signed tokens a provider sign-in hands around, each for one purpose.

- a sign-in code: what the callback sends the browser back with (in the URL, so it is
  short-lived, works once, and is not itself a credential: the SPA exchanges it);
- a re-authentication code: the same, for a fresh round-trip with the provider;
- a start ticket: lets a signed-in user start a link or a re-authentication with a plain
  browser navigation (which cannot carry the Authorization header);
- a re-authentication token: proof of a fresh sign-in, accepted where a password is asked.

All are HS256 JWTs under AZORA_SECRET_KEY with an audience of their own, so none can stand
in for another, or for an access or refresh token.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Literal

import jwt

ALGORITHM = "HS256"
ISSUER = "azora"
Kind = Literal["sign_in_code", "reauthentication_code", "start_ticket", "reauthentication"]
AUDIENCES: dict[Kind, str] = {
    "sign_in_code": "azora:oidc-sign-in-code",
    "reauthentication_code": "azora:oidc-reauthentication-code",
    "start_ticket": "azora:oidc-start-ticket",
    "reauthentication": "azora:reauthenticated",
}
START_TICKET_TTL_S = 120


class TicketInvalid(Exception):
    """The token is malformed, forged, expired, of another kind, or used already."""


class Tickets:
    """Signs and verifies the four kinds."""

    def __init__(
        self,
        secret: str,
        *,
        code_ttl_s: int,
        reauthentication_ttl_s: int,
    ) -> None:
        self._secret = secret
        self.ttl_s: dict[Kind, int] = {
            "sign_in_code": code_ttl_s,
            "reauthentication_code": code_ttl_s,
            "start_ticket": START_TICKET_TTL_S,
            "reauthentication": reauthentication_ttl_s,
        }
        # PyJWT checks expiry against the wall clock, so tokens are issued by it too.
        self.used = OneTime(time.time)

    def issue(self, kind: Kind, subject: str, **claims: Any) -> str:
        """A token of `kind` about `subject` (a command id or a user id)."""
        now = int(time.time())
        body = {
            "iss": ISSUER,
            "aud": AUDIENCES[kind],
            "sub": subject,
            "iat": now,
            "exp": now + self.ttl_s[kind],
            "jti": str(uuid.uuid4()),
            **claims,
        }
        return jwt.encode(body, self._secret, algorithm=ALGORITHM)

    def read(self, kind: Kind, token: str) -> dict[str, Any]:
        """The verified claims of a token of `kind`."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCES[kind],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "aud", "iss", "jti"]},
                # The tokens are ours: verified against our own clock, no skew to allow.
                leeway=0,
            )
        except jwt.ExpiredSignatureError as exc:
            raise TicketInvalid("it has expired") from exc
        except jwt.PyJWTError as exc:
            raise TicketInvalid("it is not valid") from exc
        return claims

    def take(self, kind: Kind, token: str) -> dict[str, Any]:
        """Verify a token of `kind` and mark it used: a second take in this process fails."""
        claims = self.read(kind, token)
        if not self.used.take(str(claims["jti"]), float(claims["exp"])):
            raise TicketInvalid("it was used already")
        return claims


class OneTime:
    """Keys used once, remembered until they expire (the tokens they name stop working)."""

    def __init__(self, clock: Callable[[], float] = time.time, max_entries: int = 100_000) -> None:
        self._clock = clock
        self._max = max_entries
        self._until: OrderedDict[str, float] = OrderedDict()

    def take(self, key: str, expires_at: float) -> bool:
        """Use `key`; False if it was used before (and has not expired since)."""
        now = self._clock()
        self._forget_expired(now)
        if key in self._until:
            return False
        if len(self._until) >= self._max:
            # Full of live keys: refuse rather than forget one that could then be replayed.
            return False
        self._until[key] = expires_at
        return True

    def seen(self, key: str) -> bool:
        """Whether `key` was taken (and has not expired since)."""
        self._forget_expired(self._clock())
        return key in self._until

    def _forget_expired(self, now: float) -> None:
        # Keys expire in about the order they were taken (the same few TTLs).
        while self._until:
            key, until = next(iter(self._until.items()))
            if until > now:
                break
            del self._until[key]
