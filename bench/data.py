"""The benchmark's users, column-wise, and reproducible from the run id alone.

Column-wise because the baseline sends exactly these lists to Postgres, and both sides
must write the very same rows (same ids, emails and hashes) for the ratio to be fair.
Reproducible so the benchmark can drop them while the loop runs: 200k users are ~200k
objects the garbage collector would otherwise walk on every full collection, a cost the
loop pays only because the benchmark is in its process.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from schemas.registration import UserRegisteredV2

ROLES = ("student",)


@dataclass(frozen=True)
class Users:
    """N users of one run, one list per column of `read.users` / `read.credentials`."""

    run_id: str
    user_ids: list[uuid.UUID]
    emails: list[str]
    display_names: list[str]
    registered_at: list[datetime]

    def __len__(self) -> int:
        return len(self.user_ids)

    @property
    def email_pattern(self) -> str:
        """A LIKE pattern matching this run's emails (and no other run's)."""
        return email_pattern(self.run_id)

    def payload(self, i: int) -> UserRegisteredV2:
        """The validated `user.registered.v2` payload of user `i` (as identity builds it)."""
        return UserRegisteredV2(
            user_id=self.user_ids[i],
            email=self.emails[i],
            display_name=self.display_names[i],
            roles=ROLES,
            registered_at=self.registered_at[i],
        )


def email_pattern(run_id: str) -> str:
    """A LIKE pattern matching the emails of run `run_id` (and no other run's)."""
    return f"bench-{run_id}-%@example.org"


def make_users(run_id: str, count: int, started: datetime) -> Users:
    """`count` distinct users whose emails carry `run_id`; the same arguments, the same users."""
    rng = random.Random(f"azora-bench-{run_id}")
    return Users(
        run_id=run_id,
        user_ids=[uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(count)],
        emails=[f"bench-{run_id}-{i}@example.org" for i in range(count)],
        display_names=[f"Bench User {i}" for i in range(count)],
        registered_at=[started + timedelta(microseconds=i) for i in range(count)],
    )
