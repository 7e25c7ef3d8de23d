"""Stripe client secrets sealed for the ingress's read side (AES-256-GCM).

A PaymentIntent's `client_secret` lets whoever holds it confirm the payment, so it never
travels or rests in clear outside the payments service: the service seals it before it
leaves (on `payment.intent_created.v2`), the payments projection stores the sealed text,
and only the ingress, answering the paying user, opens it. The payment id is bound in as
associated data, so a sealed secret copied onto another payment does not open. A sealed
value names its key by a short id, so the key can be rotated: new values are sealed with
the current key, and values sealed with the previous one still open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT = "s1"
NONCE_BYTES = 12
# A Stripe client secret is under 100 characters; the event field allows 500 in clear.
MAX_SEALED_CHARS = 1000


class SealError(ValueError):
    """A sealed value that does not open: another key's, another payment's, or tampered."""


def key_id(key: str) -> str:
    """A short public name for a key (not enough of its digest to help guess it)."""
    return hashlib.sha256(f"azora.payment-sealing.key-id:{key}".encode()).hexdigest()[:8]


def _aead(key: str) -> AESGCM:
    # Domain-separated from every other use of a deployment secret.
    return AESGCM(hashlib.sha256(f"azora.payment-sealing:{key}".encode()).digest())


class ClientSecretSeal:
    """Seals with the current key; opens what the current or the previous key sealed."""

    def __init__(self, key: str, previous: str | None = None) -> None:
        self._current = key_id(key)
        self._keys = {self._current: _aead(key)}
        if previous:
            self._keys.setdefault(key_id(previous), _aead(previous))

    def seal(self, payment_id: uuid.UUID, client_secret: str) -> str:
        """`client_secret`, sealed for `payment_id` alone: `s1.<key id>.<nonce+ciphertext>`."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self._current].encrypt(nonce, client_secret.encode(), payment_id.bytes)
        return f"{FORMAT}.{self._current}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, payment_id: uuid.UUID, sealed: str) -> str:
        """The client secret `seal` sealed for `payment_id`; SealError when it does not open."""
        parts = sealed.split(".")
        if len(parts) != 3 or parts[0] != FORMAT:
            raise SealError("not a sealed client secret")
        aead = self._keys.get(parts[1])
        if aead is None:
            raise SealError(f"sealed with key {parts[1]}, which this process does not hold")
        try:
            raw = base64.urlsafe_b64decode(parts[2].encode())
            return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], payment_id.bytes).decode()
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise SealError("the sealed client secret does not open for this payment") from exc
