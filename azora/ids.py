"""UUIDs made with less work per id: the ingress makes several per command, and a
consumer one per event it emits.

`uuid.uuid4()` reads 16 bytes with a `getrandom` call every time; on a busy two-core
machine that call was about 5 % of the ingress's time per command. `random_uuid` takes
them from the same kernel source, read 4 KiB at a time: as unpredictable, far fewer
calls. `uuid.uuid5()` imports hashlib and runs UUID's general-purpose constructor on
every call (about 6 % of the ingress's time); `name_uuid` gives the same ids directly.
"""

from __future__ import annotations

import os
import threading
import uuid
from hashlib import sha1

_128_BITS = (1 << 128) - 1
# What `uuid.UUID(..., version=n)` does to the bits: the RFC 4122 variant, then the version.
_VERSION_AND_VARIANT = _128_BITS & ~((0xC000 << 48) | (0xF000 << 64))
_RFC_4122 = 0x8000 << 48
_VERSION_4 = _RFC_4122 | (4 << 76)
_VERSION_5 = _RFC_4122 | (5 << 76)

_CHUNK = 4096


class _Randomness(threading.local):
    """A thread's unread bytes from the kernel's CSPRNG (per thread: no lock needed)."""

    def __init__(self) -> None:
        self.pool = b""
        self.at = 0


_randomness = _Randomness()


def _forget_in_child() -> None:
    # A forked child must not hand out the ids its parent is about to hand out too.
    global _randomness
    _randomness = _Randomness()


os.register_at_fork(after_in_child=_forget_in_child)


def random_uuid() -> uuid.UUID:
    """A version 4 UUID, as `uuid.uuid4()` makes one."""
    state = _randomness
    if state.at + 16 > len(state.pool):
        state.pool, state.at = os.urandom(_CHUNK), 0
    start = state.at
    state.at = start + 16
    bits = int.from_bytes(state.pool[start : start + 16], "big")
    return _uuid((bits & _VERSION_AND_VARIANT) | _VERSION_4)


def name_uuid(namespace: uuid.UUID, name: str) -> uuid.UUID:
    """`uuid.uuid5(namespace, name)`: the same id (SHA-1 of the namespace and the name)."""
    digest = sha1(namespace.bytes + name.encode()).digest()
    return _uuid((int.from_bytes(digest[:16], "big") & _VERSION_AND_VARIANT) | _VERSION_5)


def _uuid(bits: int) -> uuid.UUID:
    # What UUID's constructor ends with, without its argument checks (the bits are made
    # right above). UUID is immutable through its own __setattr__, hence object's.
    made = object.__new__(uuid.UUID)
    object.__setattr__(made, "int", bits)
    object.__setattr__(made, "is_safe", uuid.SafeUUID.unknown)
    return made
