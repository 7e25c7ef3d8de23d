"""Verifying a provider's ID token (OpenID Connect Core 3.1.3.7) before trusting a claim.

The signature is checked with the provider's published key (an asymmetric algorithm only:
never `none`, never a shared-secret one a public key could be abused as), then the issuer,
the audience (and `azp` when there are several), the expiry and issue time (with a little
clock skew), and the nonce this flow sent. Each refusal says which check failed.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

import jwt

from producers.ingress.oidc.providers import Provider

ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
MAX_ID_TOKEN_CHARS = 16_384
MAX_SUBJECT_CHARS = 255  # OpenID Connect Core 2: `sub` is at most 255 ASCII characters


class IdTokenRejected(Exception):
    """The ID token is not one this flow may trust; `kind` names the failed check."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class VerifiedIdentity:
    """Who the provider says signed in, from a verified ID token."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None
    auth_time: int | None


async def verify_id_token(
    token: str, provider: Provider, nonce: str, *, leeway_s: int
) -> VerifiedIdentity:
    """The identity `token` vouches for, or `IdTokenRejected` with the reason."""
    if len(token) > MAX_ID_TOKEN_CHARS:
        raise IdTokenRejected("invalid_id_token", "the ID token is too large")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise IdTokenRejected("invalid_id_token", "the ID token is not a JWT") from exc
    algorithm = header.get("alg")
    if algorithm not in ASYMMETRIC:
        raise IdTokenRejected(
            "invalid_id_token", f"the ID token's algorithm {algorithm!r} is not accepted"
        )
    key_id = header.get("kid")
    key = await provider.signing_key(key_id if isinstance(key_id, str) else None)
    if key is None:
        raise IdTokenRejected(
            "bad_signature",
            f"the ID token names key {key_id!r}, which the provider does not publish",
        )
    metadata = await provider.metadata()
    claims = _decode(token, key, algorithm, provider.config.client_id, metadata.issuer, leeway_s)
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != provider.config.client_id:
        raise IdTokenRejected("wrong_audience", "the ID token was issued to another party (azp)")
    sent = claims.get("nonce")
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), nonce.encode()):
        raise IdTokenRejected(
            "wrong_nonce", "the ID token's nonce is not the one this sign-in sent"
        )
    return _identity(claims)


def _decode(
    token: str, key: jwt.PyJWK, algorithm: str, client_id: str, issuer: str, leeway_s: int
) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=client_id,
            issuer=issuer,
            leeway=leeway_s,
            options={"require": ["iss", "sub", "aud", "exp", "iat"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise IdTokenRejected("id_token_expired", "the ID token has expired") from exc
    except jwt.InvalidAudienceError as exc:
        raise IdTokenRejected(
            "wrong_audience", "the ID token was issued to another client (aud)"
        ) from exc
    except jwt.InvalidIssuerError as exc:
        raise IdTokenRejected(
            "wrong_issuer", "the ID token was issued by another issuer (iss)"
        ) from exc
    except jwt.InvalidSignatureError as exc:
        raise IdTokenRejected("bad_signature", "the ID token's signature is wrong") from exc
    except jwt.ImmatureSignatureError as exc:
        raise IdTokenRejected("invalid_id_token", "the ID token is not valid yet") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise IdTokenRejected("invalid_id_token", f"the ID token lacks {exc.claim!r}") from exc
    except jwt.PyJWTError as exc:
        raise IdTokenRejected("invalid_id_token", f"the ID token is invalid: {exc}") from exc
    return claims


def _identity(claims: dict[str, Any]) -> VerifiedIdentity:
    email = claims.get("email")
    verified = claims.get("email_verified")
    name = claims.get("name")
    auth_time = claims.get("auth_time")
    subject = str(claims["sub"])
    if not 0 < len(subject) <= MAX_SUBJECT_CHARS:
        raise IdTokenRejected("invalid_id_token", "the ID token's subject is empty or too long")
    return VerifiedIdentity(
        issuer=str(claims["iss"]),
        subject=subject,
        email=email if isinstance(email, str) else None,
        # Some providers send the JSON string "true": read it as they mean it.
        email_verified=verified is True or verified == "true",
        name=name if isinstance(name, str) and name.strip() else None,
        auth_time=auth_time if isinstance(auth_time, int) else None,
    )
