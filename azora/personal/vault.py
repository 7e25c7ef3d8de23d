"""The vault: each user's data key versions, kept wrapped, created, rotated and destroyed.

Identity creates a user's key when the account is created and destroys every version when
the user is erased (crypto-shredding: the log keeps the sealed fields, nobody can open them
any more). Writers seal with the newest version; readers open with whichever version a
field names, and get `REDACTED` once the key is gone, never an error.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from azora.personal.keys import KeyUnwrapFailed, MasterKey, new_data_key
from azora.personal.sealing import REDACTED, is_sealed, key_version, open_sealed, seal


class KeyStore(Protocol):
    """Where wrapped data keys live (`azora.personal.store.PostgresKeyStore`)."""

    async def wrapped_keys(
        self, user_ids: Collection[uuid.UUID]
    ) -> Mapping[uuid.UUID, Mapping[int, bytes]]:
        """Every stored version of each user's wrapped key (users without any are left out)."""
        ...

    async def add(self, user_id: uuid.UUID, version: int, wrapped: bytes) -> bool:
        """Store a new version; False when the user was erased or the version exists."""
        ...

    async def destroy(self, user_id: uuid.UUID) -> int:
        """Delete every version and remember the user as erased; how many were deleted."""
        ...

    async def close(self) -> None:
        """Let go of connections the store opened itself (none for a borrowed pool)."""
        ...

    async def page(
        self, after: tuple[uuid.UUID, int] | None, limit: int
    ) -> Sequence[tuple[uuid.UUID, int, bytes]]:
        """Up to `limit` stored keys after `after`, in (user id, version) order."""
        ...

    async def replace(self, user_id: uuid.UUID, version: int, wrapped: bytes) -> None:
        """Store `wrapped` in place of that version's wrapped key (if it still exists)."""
        ...


@dataclass
class Rewrapped:
    """What `Vault.rewrap_all` did: keys wrapped again, already current, and unopenable."""

    rewrapped: int = 0
    current: int = 0
    unopenable: int = 0


class UserErased(Exception):
    """The user was erased: no key may be made for them again."""


class NoKey(Exception):
    """Sealing for a user who has no key (never created, or destroyed)."""


class KeyRing:
    """The unwrapped keys of some users, for one batch: seal and open their fields."""

    def __init__(self, keys: Mapping[uuid.UUID, Mapping[int, bytes]]) -> None:
        self._keys = keys

    def holds(self, user_id: uuid.UUID) -> bool:
        """Whether the ring has a key of the user (none: erased, or never made)."""
        return bool(self._keys.get(user_id))

    def seal(self, user_id: uuid.UUID, plaintext: str) -> str:
        """`plaintext` sealed with the user's newest key version."""
        versions = self._keys.get(user_id)
        if not versions:
            raise NoKey(f"user {user_id} has no personal-data key (erased, or never made)")
        newest = max(versions)
        return seal(versions[newest], newest, user_id, plaintext)

    def opened(self, user_id: uuid.UUID, sealed: str) -> str | None:
        """The clear text of a sealed field, or None when its key is gone (erased user).

        Raises `SealedFieldInvalid` for a value that is not sealed, is tampered with, or
        was sealed for someone else.
        """
        key = self._keys.get(user_id, {}).get(key_version(sealed))
        return None if key is None else open_sealed(key, user_id, sealed)

    def open(self, user_id: uuid.UUID, value: str) -> str:
        """The clear text of a field: opened if sealed (`REDACTED` when its key is gone),
        as it is if it was written before fields were sealed.

        A sealed field that is tampered with, or sealed for someone else, raises
        `SealedFieldInvalid`: that is a broken event, not an erased user.
        """
        if not is_sealed(value):
            return value
        clear = self.opened(user_id, value)
        return REDACTED if clear is None else clear


class Vault:
    """Creates, rotates and destroys users' keys in a `KeyStore`, wrapped by a `MasterKey`."""

    def __init__(self, master: MasterKey, store: KeyStore) -> None:
        self._master = master
        self._store = store

    async def create_key(self, user_id: uuid.UUID) -> int:
        """The user's newest key version, making version 1 if they have none yet."""
        existing = (await self._store.wrapped_keys([user_id])).get(user_id)
        if existing:
            return max(existing)
        return await self._add(user_id, 1)

    async def has_key(self, user_id: uuid.UUID) -> bool:
        """Whether the user has a key (made for their account, and not destroyed)."""
        return bool((await self._store.wrapped_keys([user_id])).get(user_id))

    async def rotate(self, user_id: uuid.UUID) -> int:
        """A new key version for new writes; the older ones still open what they sealed."""
        existing = (await self._store.wrapped_keys([user_id])).get(user_id) or {}
        return await self._add(user_id, max(existing, default=0) + 1)

    async def destroy(self, user_id: uuid.UUID) -> int:
        """Destroy every version of the user's key (their sealed fields become unreadable)."""
        return await self._store.destroy(user_id)

    async def keyring(self, user_ids: Collection[uuid.UUID]) -> KeyRing:
        """The unwrapped keys of `user_ids` (erased users have none)."""
        wrapped = await self._store.wrapped_keys(user_ids)
        return KeyRing(
            {
                user_id: {
                    version: self._master.unwrap(user_id, version, key)
                    for version, key in versions.items()
                }
                for user_id, versions in wrapped.items()
            }
        )

    async def rewrap_all(self, batch: int = 500) -> Rewrapped:
        """Wrap every stored key with the current master key (after the master key was
        changed and the previous one is still given). Safe to run again, or alongside
        running services: a key is replaced by the same key, wrapped differently."""
        report = Rewrapped()
        after: tuple[uuid.UUID, int] | None = None
        while page := await self._store.page(after, batch):
            for user_id, version, wrapped in page:
                try:
                    again = self._master.rewrapped(user_id, version, wrapped)
                except KeyUnwrapFailed:
                    # Neither master key opens it: left as it is, and reported, since the
                    # person it belongs to can no longer read their data either.
                    report.unopenable += 1
                    continue
                if again is None:
                    report.current += 1
                else:
                    await self._store.replace(user_id, version, again)
                    report.rewrapped += 1
            after = page[-1][:2]
        return report

    async def close(self) -> None:
        """Let go of the store's connections, if it holds any."""
        await self._store.close()

    async def _add(self, user_id: uuid.UUID, version: int) -> int:
        wrapped = self._master.wrap(user_id, version, new_data_key())
        if not await self._store.add(user_id, version, wrapped):
            again = (await self._store.wrapped_keys([user_id])).get(user_id)
            if not again:
                raise UserErased(f"user {user_id} was erased: no key is made for them again")
            # Made concurrently by someone else: theirs is as good.
            return max(again)
        return version
