"""The vault's key store in memory, for unit tests and for handlers tests feed by hand."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence

from azora.personal.keys import MasterKey
from azora.personal.vault import Vault
from tests.support.secrets import random_secret_key


class MemoryKeyStore:
    """The vault's `KeyStore` in memory, with the Postgres store's rules."""

    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, dict[int, bytes]] = {}
        self.erased: set[uuid.UUID] = set()

    async def wrapped_keys(
        self, user_ids: Collection[uuid.UUID]
    ) -> Mapping[uuid.UUID, Mapping[int, bytes]]:
        return {u: dict(self.rows[u]) for u in user_ids if self.rows.get(u)}

    async def add(self, user_id: uuid.UUID, version: int, wrapped: bytes) -> bool:
        if user_id in self.erased or version in self.rows.get(user_id, {}):
            return False
        self.rows.setdefault(user_id, {})[version] = wrapped
        return True

    async def destroy(self, user_id: uuid.UUID) -> int:
        self.erased.add(user_id)
        return len(self.rows.pop(user_id, {}))

    async def close(self) -> None:
        pass

    async def page(
        self, after: tuple[uuid.UUID, int] | None, limit: int
    ) -> Sequence[tuple[uuid.UUID, int, bytes]]:
        stored = sorted(
            (user_id, version, wrapped)
            for user_id, versions in self.rows.items()
            for version, wrapped in versions.items()
        )
        return [row for row in stored if after is None or row[:2] > after][:limit]

    async def replace(self, user_id: uuid.UUID, version: int, wrapped: bytes) -> None:
        if version in self.rows.get(user_id, {}):
            self.rows[user_id][version] = wrapped


def memory_vault() -> Vault:
    """A vault of its own, in memory, with a random master key."""
    return Vault(MasterKey(random_secret_key()), MemoryKeyStore())
