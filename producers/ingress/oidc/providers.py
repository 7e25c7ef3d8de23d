"""A configured provider as the ingress talks to it: discovery, keys and the code exchange.

Every call goes to the issuer the settings name, with a timeout and a bounded answer; the
metadata is cached for an hour, and the keys until a token names one not seen yet (then
fetched again, at most once a minute, so a flood of forged key ids cannot make the
ingress hammer the provider).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import jwt

from azora.oidc_settings import OidcProvider

METADATA_TTL_S = 3600.0
KEYS_REFETCH_AFTER_S = 60.0
# Discovery documents and key sets are a few KB; token answers too.
MAX_ANSWER_BYTES = 256 * 1024


class ProviderUnavailable(Exception):
    """The provider did not answer, or not with what OpenID Connect says it must."""


class CodeRefused(Exception):
    """The provider refused the authorization code (unknown, used, expired, wrong verifier)."""


@dataclass(frozen=True)
class Metadata:
    """The parts of the provider's discovery document the sign-in uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


class Provider:
    """One provider of the settings, with its cached metadata and signing keys."""

    def __init__(
        self,
        name: str,
        config: OidcProvider,
        redirect_uri: str,
        client: Callable[[], httpx.AsyncClient],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.config = config
        self.redirect_uri = redirect_uri
        self._client = client
        self._clock = clock
        self._metadata: tuple[Metadata, float] | None = None
        self._keys: dict[str, jwt.PyJWK] = {}
        self._keys_fetched_at: float | None = None

    @property
    def display_name(self) -> str:
        """What a sign-in button says."""
        return self.config.display_name or self.name.capitalize()

    async def metadata(self) -> Metadata:
        """The discovery document, checked to be the configured issuer's own."""
        if self._metadata is not None and self._clock() < self._metadata[1]:
            return self._metadata[0]
        issuer = self.config.issuer.rstrip("/")
        document = await self._get_json(f"{issuer}/.well-known/openid-configuration")
        try:
            metadata = Metadata(
                issuer=str(document["issuer"]),
                authorization_endpoint=str(document["authorization_endpoint"]),
                token_endpoint=str(document["token_endpoint"]),
                jwks_uri=str(document["jwks_uri"]),
            )
        except KeyError as exc:
            raise ProviderUnavailable(f"the discovery document lacks {exc}") from exc
        # OpenID Connect Discovery 4.3: the document must name the issuer it was asked for.
        if metadata.issuer.rstrip("/") != issuer:
            raise ProviderUnavailable(
                f"the discovery document names issuer {metadata.issuer!r}, not {issuer!r}"
            )
        self._metadata = (metadata, self._clock() + METADATA_TTL_S)
        return metadata

    async def signing_key(self, key_id: str | None) -> jwt.PyJWK | None:
        """The provider's public key `key_id` (the only one, when a token names none)."""
        key = self._known_key(key_id)
        if key is None and self._may_refetch():
            await self._fetch_keys()
            key = self._known_key(key_id)
        return key

    async def exchange(self, code: str, verifier: str) -> dict[str, Any]:
        """The token answer for an authorization code (client_secret_basic, RFC 6749 2.3.1)."""
        metadata = await self.metadata()
        secret = self.config.client_secret.get_secret_value()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": verifier,
        }
        auth = httpx.BasicAuth(quote(self.config.client_id, safe=""), quote(secret, safe=""))
        try:
            async with self._client().stream(
                "POST", metadata.token_endpoint, data=form, auth=auth
            ) as answer:
                body = await _bounded(answer)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"the token endpoint did not answer: {exc!r}") from exc
        if answer.status_code in (400, 401):
            error = _json_or_empty(body).get("error", f"HTTP {answer.status_code}")
            if error == "invalid_client" or answer.status_code == 401:
                # Our configuration is wrong, not the person's code: an operator must act.
                raise ProviderUnavailable(
                    f"the provider refused this client ({error}): check the client id and secret"
                )
            raise CodeRefused(f"the provider refused the code ({error})")
        if answer.status_code != 200:
            raise ProviderUnavailable(f"the token endpoint answered {answer.status_code}")
        return _json_object(body)

    def _known_key(self, key_id: str | None) -> jwt.PyJWK | None:
        if key_id is None:
            return next(iter(self._keys.values())) if len(self._keys) == 1 else None
        return self._keys.get(key_id)

    def _may_refetch(self) -> bool:
        fetched = self._keys_fetched_at
        return fetched is None or self._clock() - fetched >= KEYS_REFETCH_AFTER_S

    async def _fetch_keys(self) -> None:
        metadata = await self.metadata()
        document = await self._get_json(metadata.jwks_uri)
        self._keys_fetched_at = self._clock()
        keys: dict[str, jwt.PyJWK] = {}
        for entry in document.get("keys", []):
            if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
                continue
            try:
                key = jwt.PyJWK(entry)
            except jwt.PyJWTError:
                continue  # a key type or algorithm this library does not take: not ours
            keys[str(entry.get("kid", ""))] = key
        self._keys = keys

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with self._client().stream("GET", url) as answer:
                body = await _bounded(answer)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"{url} did not answer: {exc!r}") from exc
        if answer.status_code != 200:
            raise ProviderUnavailable(f"{url} answered {answer.status_code}")
        return _json_object(body)


async def _bounded(answer: httpx.Response) -> bytes:
    body = bytearray()
    async for chunk in answer.aiter_bytes():
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            raise ProviderUnavailable(f"the provider's answer exceeds {MAX_ANSWER_BYTES} bytes")
    return bytes(body)


def _json_object(body: bytes) -> dict[str, Any]:
    parsed = _json_or_empty(body)
    if not parsed:
        raise ProviderUnavailable("the provider's answer is not a JSON object")
    return parsed


def _json_or_empty(body: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(body)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
