"""The vault's keys in Postgres: made, rotated and destroyed for good, in the real database."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest
from typer.testing import CliRunner

from azora.personal.keys import MasterKey
from azora.personal.sealing import REDACTED
from azora.personal.store import PostgresKeyStore
from azora.personal.vault import UserErased, Vault
from azora.settings import Settings
from stack.cli import app
from stack.composition import personal_vault
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


async def test_after_the_master_key_changes_rewrapping_leaves_every_key_opening_with_the_new_one(
    db: asyncpg.Pool,
) -> None:
    old, new = random_secret_key(), random_secret_key()
    before = Vault(MasterKey(old), PostgresKeyStore(db))
    ada, bo = uuid.uuid4(), uuid.uuid4()
    for user in (ada, bo):
        await before.create_key(user)
    ring = await before.keyring([ada, bo])
    sealed = {user: ring.seal(user, f"{user}@example.org") for user in (ada, bo)}

    during = Vault(MasterKey(new, previous=old), PostgresKeyStore(db))
    report = await during.rewrap_all(batch=7)
    again = await during.rewrap_all(batch=7)

    # The shared database holds other tests' keys, under masters of their own: counted as
    # unopenable, never touched.
    assert report.rewrapped >= 2
    assert again.rewrapped == 0
    assert again.current == report.current + report.rewrapped
    after = await Vault(MasterKey(new), PostgresKeyStore(db)).keyring([ada, bo])
    assert {user: after.open(user, sealed[user]) for user in (ada, bo)} == {
        ada: f"{ada}@example.org",
        bo: f"{bo}@example.org",
    }


async def test_the_rotate_command_gives_a_known_user_a_new_version_and_refuses_an_unknown_id(
    db: asyncpg.Pool, base_settings: Settings
) -> None:
    vault = personal_vault(base_settings)
    ada, nobody = uuid.uuid4(), uuid.uuid4()
    await vault.create_key(ada)
    await vault.close()

    known = await asyncio.to_thread(CliRunner().invoke, app, ["personal-data", "rotate", str(ada)])
    unknown = await asyncio.to_thread(
        CliRunner().invoke, app, ["personal-data", "rotate", str(nobody)]
    )

    assert (known.exit_code, unknown.exit_code) == (0, 1), known.output
    assert "key version 2" in known.output
    assert "no key to rotate" in unknown.output
    versions = "SELECT count(*) FROM azora.personal_keys WHERE user_id = $1"
    assert (await db.fetchval(versions, ada), await db.fetchval(versions, nobody)) == (2, 0)
