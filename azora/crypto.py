"""Encryption of secrets that must travel through Kafka (TOTP seeds, a registration's
password hash), keyed by the settings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

TOTP = "azora.totp"
# The password hash a registration command carries: sealed by the ingress for identity.
REGISTRATION = "azora.identity.registration"
# A user's password hash and TOTP secret: sealed by identity for the ingress's read side
# (`azora.credential_sealing`).
CREDENTIALS = "azora.ingress.credentials"


class SecretBox:
    """AES-256-GCM with a key derived from the deployment's secret; text in, text out."""

    def __init__(self, secret_key: str, *, purpose: str = TOTP) -> None:
        # Domain-separated: the same secret key signs tokens, so derive a distinct one here.
        self._secret_key = secret_key
        self._aead = AESGCM(hashlib.sha256(f"{purpose}:{secret_key}".encode()).digest())
        # A key of its own for digests: one key, one primitive.
        self._digest_key = hashlib.sha256(f"{purpose}:digest:{secret_key}".encode()).digest()

    def for_purpose(self, purpose: str) -> SecretBox:
        """A box of the same deployment secret with the key of another purpose."""
        return SecretBox(self._secret_key, purpose=purpose)

    def digest(self, value: str) -> str:
        """HMAC-SHA256 (hex) of `value` under this purpose's key: equal values give equal
        digests (a record key that routes them together), and nobody without the key can
        tell which value it was, or test a guess."""
        return hmac.new(self._digest_key, value.encode(), hashlib.sha256).hexdigest()

    def seal(self, plaintext: str, *, bound_to: str = "") -> str:
        """Encrypt `plaintext`; the nonce travels with the ciphertext.

        `bound_to` (associated data, e.g. a user id) must be given again to open it, so a
        sealed value copied into another user's command does not open.
        """
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), bound_to.encode())
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, token: str, *, bound_to: str = "") -> str:
        """Decrypt what `seal` produced (raises on tampering, a different key or binding)."""
        raw = base64.urlsafe_b64decode(token.encode())
        return self._aead.decrypt(raw[:12], raw[12:], bound_to.encode()).decode()
