"""Password policy and argon2id hashing (off the event loop: hashing is deliberately slow)."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 256


def policy_violations(password: str, email: str) -> list[str]:
    """Why `password` is not acceptable (empty when it is).

    The policy (documented in the README): 10 to 256 characters, at least 4 different
    characters, and not containing the account's email name.
    """
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        problems.append(f"must be at most {MAX_LENGTH} characters")
    if len(set(password)) < 4:
        problems.append("must use at least 4 different characters")
    local = email.split("@", 1)[0].lower()
    if len(local) >= 4 and local in password.lower():
        problems.append("must not contain your email name")
    return problems


class Passwords:
    """Hash and verify with argon2id in a worker thread."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
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
