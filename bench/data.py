"""The benchmark's users: generated once, kept column-wise for both the producer and the baseline.

Column-wise because the baseline sends exactly these lists to Postgres, and both sides
must write the very same rows (same ids, emails and hashes) for the ratio to be fair.
"""

from __future__ import annotations

import base64
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from schemas.accounts import UserRegistered

ROLES = ("student",)


@dataclass(frozen=True)
class Users:
    """N users of one run, one list per column of `read.users` / `read.credentials`."""

    run_id: str
    user_ids: list[uuid.UUID]
    emails: list[str]
    display_names: list[str]
    password_hashes: list[str]
    registered_at: list[datetime]

    def __len__(self) -> int:
        return len(self.user_ids)

    @property
    def email_pattern(self) -> str:
        """A LIKE pattern matching this run's emails (and no other run's)."""
        return f"bench-{self.run_id}-%@example.org"

    def payload(self, i: int) -> UserRegistered:
        """The validated `user.registered` payload of user `i` (as a real producer builds it)."""
        return UserRegistered(
            user_id=self.user_ids[i],
            email=self.emails[i],
            display_name=self.display_names[i],
            password_hash=self.password_hashes[i],
            roles=ROLES,
            registered_at=self.registered_at[i],
        )


def argon2_looking_hash() -> str:
    """A string shaped like an argon2id PHC hash (about 97 characters), without the cost."""
    salt = base64.b64encode(os.urandom(16)).decode().rstrip("=")
    digest = base64.b64encode(os.urandom(32)).decode().rstrip("=")
    return f"$argon2id$v=19$m=65536,t=3,p=4${salt}${digest}"


def make_users(run_id: str, count: int) -> Users:
    """`count` distinct users whose emails carry `run_id`, so cleanup can find exactly them."""
    start = datetime.now(UTC)
    return Users(
        run_id=run_id,
        user_ids=[uuid.uuid4() for _ in range(count)],
        emails=[f"bench-{run_id}-{i}@example.org" for i in range(count)],
        display_names=[f"Bench User {i}" for i in range(count)],
        password_hashes=[argon2_looking_hash() for _ in range(count)],
        registered_at=[start + timedelta(microseconds=i) for i in range(count)],
    )
