"""An ID token is trusted only after every check of OpenID Connect Core 3.1.3.7: here against a
provider played in memory (its discovery document and keys over an httpx mock transport),
so each forgery can be made exactly."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from azora.oidc_settings import OidcProvider
from producers.ingress.oidc.id_tokens import IdTokenRejected, verify_id_token
from producers.ingress.oidc.providers import CodeRefused, Provider, ProviderUnavailable

ISSUER = "https://id.example.org"
CLIENT = "azora-client"
NONCE = "the-nonce-this-flow-sent"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}


class InMemoryProvider:
    """Answers discovery and the key set; counts how often the keys are fetched."""

    def __init__(self, issuer: str = ISSUER, token_answer: httpx.Response | None = None) -> None:
        self.issuer = issuer
        self.key_fetches = 0
        self.token_answer = token_answer or httpx.Response(200, json={"id_token": "x"})

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/.well-known/openid-configuration":
            return httpx.Response(
                200,
                json={
                    "issuer": self.issuer,
                    "authorization_endpoint": f"{ISSUER}/authorize",
                    "token_endpoint": f"{ISSUER}/token",
                    "jwks_uri": f"{ISSUER}/jwks",
                },
            )
        if request.url.path == "/jwks":
            self.key_fetches += 1
            return httpx.Response(200, json={"keys": [public_jwk(KEY, "k1")]})
        if request.url.path == "/token":
            return self.token_answer
        return httpx.Response(404)


def provider(played: InMemoryProvider, clock: Callable[[], float] = time.monotonic) -> Provider:
    client = httpx.AsyncClient(transport=httpx.MockTransport(played.handle))
    config = OidcProvider(issuer=ISSUER, client_id=CLIENT, client_secret=SecretStr("s3cret"))
    return Provider("example", config, "https://azora.example/callback", lambda: client, clock)


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": ISSUER,
        "sub": "person-1",
        "aud": CLIENT,
        "iat": now,
        "exp": now + 300,
        "nonce": NONCE,
        "email": "ada@example.org",
        "email_verified": True,
        **changes,
    }


def signed(body: dict[str, Any], key: rsa.RSAPrivateKey = KEY, kid: str = "k1") -> str:
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": kid})


async def refusal(token: str, played: InMemoryProvider | None = None) -> str:
    with pytest.raises(IdTokenRejected) as refused:
        await verify_id_token(token, provider(played or InMemoryProvider()), NONCE, leeway_s=60)
    return refused.value.kind


async def test_a_token_the_provider_signed_for_this_client_and_flow_is_trusted() -> None:
    identity = await verify_id_token(
        signed(claims()), provider(InMemoryProvider()), NONCE, leeway_s=60
    )

    assert (identity.issuer, identity.subject) == (ISSUER, "person-1")
    assert identity.email == "ada@example.org"
    assert identity.email_verified is True


async def test_a_token_signed_by_another_key_under_the_providers_key_id_is_refused() -> None:
    assert await refusal(signed(claims(), key=OTHER_KEY)) == "bad_signature"


async def test_an_unsigned_token_is_refused() -> None:
    unsigned = jwt.encode(claims(), None, algorithm="none")

    assert await refusal(unsigned) == "invalid_id_token"


async def test_a_token_signed_with_the_public_key_as_a_shared_secret_is_refused() -> None:
    # The classic confusion: HS256 keyed with the provider's public key, which anyone has.
    public_pem = KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # PyJWT will not make one, so it is made by hand.
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k1"}).encode())
    body = _b64(json.dumps(claims()).encode())
    mac = hmac.new(public_pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    forged = f"{head}.{body}.{_b64(mac)}"

    assert await refusal(forged) == "invalid_id_token"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("changes", "kind"),
    [
        (lambda now: {"iss": "https://elsewhere.example.org"}, "wrong_issuer"),
        (lambda now: {"aud": "another-client"}, "wrong_audience"),
        (lambda now: {"aud": [CLIENT, "another-client"]}, "wrong_audience"),
        (lambda now: {"exp": now - 120}, "id_token_expired"),
        (lambda now: {"iat": now + 600}, "invalid_id_token"),
        (lambda now: {"nonce": "another-nonce"}, "wrong_nonce"),
        (lambda now: {"nonce": None}, "wrong_nonce"),
        (lambda now: {"sub": "x" * 256}, "invalid_id_token"),
    ],
    ids=[
        "another issuer",
        "another audience",
        "several audiences without azp",
        "expired beyond the skew",
        "issued in the future",
        "another nonce",
        "no nonce",
        "a subject longer than 255",
    ],
)
async def test_a_token_failing_one_check_is_refused_naming_it(
    changes: Callable[[int], dict[str, Any]], kind: str
) -> None:
    # Times are taken when the test runs, not when it is collected: a long suite runs this
    # minutes after collection, and a token "issued in the future" would be in the past.
    changed = claims(**changes(int(time.time())))
    body = {k: v for k, v in changed.items() if v is not None}

    assert await refusal(signed(body)) == kind


async def test_several_audiences_are_fine_when_this_client_is_the_authorized_party() -> None:
    body = claims(aud=[CLIENT, "another-client"], azp=CLIENT)

    identity = await verify_id_token(signed(body), provider(InMemoryProvider()), NONCE, leeway_s=0)

    assert identity.subject == "person-1"


async def test_an_email_verified_sent_as_the_string_true_counts_as_verified() -> None:
    body = claims(email_verified="true")

    identity = await verify_id_token(signed(body), provider(InMemoryProvider()), NONCE, leeway_s=0)

    assert identity.email_verified is True


async def test_unknown_key_ids_fetch_the_keys_again_at_most_once_a_minute() -> None:
    played = InMemoryProvider()
    now = [1000.0]
    chosen = provider(played, clock=lambda: now[0])
    await verify_id_token(signed(claims()), chosen, NONCE, leeway_s=0)

    for _ in range(5):
        with pytest.raises(IdTokenRejected):
            await verify_id_token(signed(claims(), kid="rotated"), chosen, NONCE, leeway_s=0)
    fetches_within_the_minute = played.key_fetches
    now[0] += 61
    with pytest.raises(IdTokenRejected):
        await verify_id_token(signed(claims(), kid="rotated"), chosen, NONCE, leeway_s=0)

    assert fetches_within_the_minute == 1
    assert played.key_fetches == 2


async def test_a_discovery_document_naming_another_issuer_is_not_used() -> None:
    impostor = provider(InMemoryProvider(issuer="https://impostor.example.org"))

    with pytest.raises(ProviderUnavailable, match="names issuer"):
        await impostor.metadata()


async def test_a_code_the_provider_refuses_is_the_persons_problem() -> None:
    refusing = InMemoryProvider(token_answer=httpx.Response(400, json={"error": "invalid_grant"}))

    with pytest.raises(CodeRefused, match="invalid_grant"):
        await provider(refusing).exchange("a-code", "a-verifier")


async def test_a_provider_refusing_this_client_is_an_operators_problem_not_the_persons() -> None:
    refusing = InMemoryProvider(token_answer=httpx.Response(401, json={"error": "invalid_client"}))

    with pytest.raises(ProviderUnavailable, match="check the client id and secret"):
        await provider(refusing).exchange("a-code", "a-verifier")


async def test_an_answer_larger_than_the_bound_is_not_read_whole() -> None:
    huge = InMemoryProvider(token_answer=httpx.Response(200, content=b"x" * (300 * 1024)))

    with pytest.raises(ProviderUnavailable, match="exceeds"):
        await provider(huge).exchange("a-code", "a-verifier")
