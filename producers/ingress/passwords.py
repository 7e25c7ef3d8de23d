"""argon2id hashing, off the event loop (hashing is deliberately slow).

The policy a new password must meet is the contract's: `schemas.passwords`.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


def owasp_hasher() -> PasswordHasher:
    """argon2id with OWASP's recommended parameters: 19 MiB, 2 passes, 1 lane.

    argon2-cffi's default (64 MiB, 3 passes, 4 lanes) is stronger per hash but holds 64 MiB
    per concurrent login: three logins at once would take the ingress past its memory
    budget. Stored hashes carry their own parameters, so older ones still verify.
    """
    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


# Each hash in flight holds the hasher's memory cost (19 MiB) until it ends. Logins beyond
# this many at once queue for a slot, so the ingress's memory stays bounded however many
# arrive together (and two cores gain nothing from more hashes in parallel).
CONCURRENT_HASHES = 2


class Passwords:
    """Hash and verify with argon2id in a worker thread, a bounded number at a time."""

    def __init__(
        self, hasher: PasswordHasher | None = None, concurrent: int = CONCURRENT_HASHES
    ) -> None:
        self._hasher = hasher or owasp_hasher()
        self._slots = asyncio.Semaphore(concurrent)

    async def hash(self, password: str) -> str:
        """The argon2id hash of `password`."""
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """Whether `password` matches `stored_hash` (None: an unknown account, always False)."""

        def check() -> bool:
            if stored_hash is None:
                # An unknown email costs what a known one does: one argon2 computation with
                # the same parameters (no decoy hash held, none computed at start).
                self._hasher.hash(password)
                return False
            try:
                return self._hasher.verify(stored_hash, password)
            except (VerificationError, InvalidHashError):
                return False

        async with self._slots:
            return await asyncio.to_thread(check)
