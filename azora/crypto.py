"""Encryption of secrets that must travel through Kafka (TOTP seeds), keyed by the settings."""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class SecretBox:
    """AES-256-GCM with a key derived from the deployment's secret; text in, text out."""

    def __init__(self, secret_key: str, *, purpose: str = "azora.totp") -> None:
        # Domain-separated: the same secret key signs tokens, so derive a distinct one here.
        self._aead = AESGCM(hashlib.sha256(f"{purpose}:{secret_key}".encode()).digest())

    def seal(self, plaintext: str) -> str:
        """Encrypt `plaintext`; the nonce travels with the ciphertext."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), None)
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, token: str) -> str:
        """Decrypt what `seal` produced (raises on tampering or a different key)."""
        raw = base64.urlsafe_b64decode(token.encode())
        return self._aead.decrypt(raw[:12], raw[12:], None).decode()
