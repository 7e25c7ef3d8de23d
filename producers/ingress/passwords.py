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


class Passwords:
    """Hash and verify with argon2id in a worker thread."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or owasp_hasher()
        # Verifying against this when the email is unknown keeps both paths equally slow.
        self._decoy = self._hasher.hash("decoy-password-for-unknown-accounts")

    async def hash(self, password: str) -> str:
        """The argon2id hash of `password`."""
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """Whether `password` matches `stored_hash` (None: an unknown account, always False)."""

        def check() -> bool:
            try:
                return self._hasher.verify(stored_hash or self._decoy, password) and (
                    stored_hash is not None
                )
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(check)
