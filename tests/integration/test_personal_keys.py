"""The vault's keys in Postgres: made, rotated and destroyed for good, in the real database."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from azora.personal.keys import MasterKey
from azora.personal.sealing import REDACTED
from azora.personal.store import PostgresKeyStore
from azora.personal.vault import UserErased, Vault
from tests.support.secrets import random_secret_key

pytestmark = pytest.mark.integration


async def test_a_users_keys_rotate_and_are_destroyed_in_postgres_leaving_only_their_id(
    db: asyncpg.Pool,
) -> None:
    vault = Vault(MasterKey(random_secret_key()), PostgresKeyStore(db))
    ada, bo = uuid.uuid4(), uuid.uuid4()
    await vault.create_key(ada)
    await vault.create_key(bo)
    first = (await vault.keyring([ada])).seal(ada, "ada@example.org")
    assert await vault.rotate(ada) == 2
    second = (await vault.keyring([ada])).seal(ada, "Ada Lovelace")
    bos = (await vault.keyring([bo])).seal(bo, "bo@example.org")

    stored = await db.fetch("SELECT wrapped FROM azora.personal_keys WHERE user_id = $1", ada)
    assert len(stored) == 2
    assert await vault.destroy(ada) == 2

    ring = await vault.keyring([ada, bo])
    assert (ring.open(ada, first), ring.open(ada, second)) == (REDACTED, REDACTED)
    assert ring.open(bo, bos) == "bo@example.org"
    left = await db.fetchval("SELECT count(*) FROM azora.personal_keys WHERE user_id = $1", ada)
    assert left == 0
    erased = await db.fetchrow("SELECT * FROM azora.erased_users WHERE user_id = $1", ada)
    assert erased is not None
    assert set(erased.keys()) == {"user_id", "erased_at"}
    with pytest.raises(UserErased):
        await vault.create_key(ada)
