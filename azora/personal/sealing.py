"""One personal field sealed with one user's data key, and opened again (or redacted).

A sealed field is text that says what it is: `pd1.<key version>.<base64url(nonce|ciphertext|
tag)>`. AES-256-GCM, with the user id and the key version as associated data, so a sealed
field copied into another user's event, or relabelled with another version, does not open.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "pd1."
# What a reader gets for a field whose user was erased (their key destroyed).
REDACTED = "[redacted]"
_SEALED = re.compile(r"^pd1\.([1-9][0-9]{0,8})\.([A-Za-z0-9_-]{40,})={0,2}$")
_NONCE_BYTES = 12


class SealedFieldInvalid(ValueError):
    """A sealed field that is malformed, tampered with, or sealed for someone else."""


def is_sealed(value: str) -> bool:
    """Whether `value` has the shape of a sealed field."""
    return _SEALED.match(value) is not None


def key_version(sealed: str) -> int:
    """The version of the user's key `sealed` was sealed with."""
    found = _SEALED.match(sealed)
    if found is None:
        raise SealedFieldInvalid("not a sealed field (pd1.<version>.<data>)")
    return int(found.group(1))


def _associated(user_id: uuid.UUID, version: int) -> bytes:
    return f"azora.personal:{user_id}:{version}".encode()


def seal(data_key: bytes, version: int, user_id: uuid.UUID, plaintext: str) -> str:
    """`plaintext` sealed with version `version` of `user_id`'s data key."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(data_key).encrypt(nonce, plaintext.encode(), _associated(user_id, version))
    return f"{PREFIX}{version}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def open_sealed(data_key: bytes, user_id: uuid.UUID, sealed: str) -> str:
    """The plaintext of `sealed`, opened with the key of the version it names."""
    version = key_version(sealed)
    try:
        raw = base64.urlsafe_b64decode(sealed.rsplit(".", 1)[1].encode())
        opened = AESGCM(data_key).decrypt(
            raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _associated(user_id, version)
        )
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise SealedFieldInvalid(
            "the sealed field does not open: tampered with, or sealed for another user"
        ) from exc
    return opened.decode()
