"""Data keys, and their wrapping with the deployment's master key.

A user's data key is 32 random bytes (AES-256). It is stored only wrapped: AES-256-GCM
under a key-encryption key derived from `AZORA_PERSONAL_DATA_KEY`, with the user id and
version as associated data (a wrapped key moved to another user's row does not unwrap).
"""

from __future__ import annotations

import hashlib
import os
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

DATA_KEY_BYTES = 32
_NONCE_BYTES = 12


class KeyUnwrapFailed(ValueError):
    """A wrapped key that the master key does not open (another deployment's, or altered)."""


def new_data_key() -> bytes:
    """A fresh random AES-256 data key."""
    return os.urandom(DATA_KEY_BYTES)


def _kek(secret: str) -> AESGCM:
    # Domain-separated from every other key derived from a deployment secret.
    return AESGCM(hashlib.sha256(f"azora.personal-data.kek:{secret}".encode()).digest())


class MasterKey:
    """Wraps users' data keys with the deployment's current master key; unwraps what the
    current one wrapped or, during a rotation, what the previous one did."""

    def __init__(self, secret: str, previous: str | None = None) -> None:
        self._aead = _kek(secret)
        self._previous = _kek(previous) if previous else None

    @staticmethod
    def _associated(user_id: uuid.UUID, version: int) -> bytes:
        return f"azora.personal-key:{user_id}:{version}".encode()

    def wrap(self, user_id: uuid.UUID, version: int, data_key: bytes) -> bytes:
        """`data_key` encrypted for storage (nonce first)."""
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, data_key, self._associated(user_id, version))

    def unwrap(self, user_id: uuid.UUID, version: int, wrapped: bytes) -> bytes:
        """The data key `wrap` stored (with the current master key or the previous one)."""
        for kek in (self._aead, self._previous):
            if kek is None:
                continue
            try:
                return kek.decrypt(
                    wrapped[:_NONCE_BYTES],
                    wrapped[_NONCE_BYTES:],
                    self._associated(user_id, version),
                )
            except InvalidTag:
                continue
        raise KeyUnwrapFailed(
            f"version {version} of user {user_id}'s key does not unwrap with this master key"
        )

    def rewrapped(self, user_id: uuid.UUID, version: int, wrapped: bytes) -> bytes | None:
        """`wrapped` wrapped again with the current master key; None when it already is."""
        try:
            self._aead.decrypt(
                wrapped[:_NONCE_BYTES], wrapped[_NONCE_BYTES:], self._associated(user_id, version)
            )
            return None
        except InvalidTag:
            return self.wrap(user_id, version, self.unwrap(user_id, version, wrapped))
