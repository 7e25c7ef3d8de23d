"""Migrations run per database: each gets the consume loop's schema and its owners' schemas,
the schemas migrated apart add up to the database migrated whole, and a database migrated
in one run of old is taken up where it stands."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import asyncpg
import pytest
from alembic.script import ScriptDirectory

from azora import migrate
from azora.databases import SPINE, where
from azora.settings import Settings
from bench.databases import fresh_database

pytestmark = pytest.mark.integration

# Every column and index of a database, by schema (Alembic's own version tables aside).
SHAPE = """
SELECT table_schema AS schema, table_name || '.' || column_name || ' ' || data_type AS item
FROM information_schema.columns
WHERE table_schema NOT IN ('pg_catalog', 'information_schema', 'public')
UNION ALL
SELECT schemaname, indexdef FROM pg_indexes
WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'public')
"""
SCHEMAS = """
SELECT nspname FROM pg_namespace
WHERE nspname NOT LIKE 'pg\\_%' AND nspname NOT IN ('information_schema', 'public')
"""
VERSIONS = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"


async def shape(url: str) -> set[tuple[str, str]]:
    conn = await asyncpg.connect(url)
    try:
        return {(row["schema"], row["item"]) for row in await conn.fetch(SHAPE)}
    finally:
        await conn.close()


async def fetch_column(url: str, query: str) -> set[str]:
    conn = await asyncpg.connect(url)
    try:
        return {row[0] for row in await conn.fetch(query)}
    finally:
        await conn.close()


async def test_a_database_given_to_one_service_gets_its_schema_and_the_consume_loops_only(
    base_settings: Settings,
) -> None:
    async with fresh_database(base_settings.database_url, schemas=["wallet"]) as url:
        assert await fetch_column(url, SCHEMAS) == {SPINE, "wallet"}
        assert await fetch_column(url, VERSIONS) == {"alembic_version", "alembic_version_wallet"}


async def test_every_schema_migrated_apart_adds_up_to_the_database_migrated_whole(
    base_settings: Settings,
) -> None:
    async with fresh_database(base_settings.database_url) as whole:
        expected = await shape(whole)
    apart: set[tuple[str, str]] = set()
    for schema in migrate.EVERY_SCHEMA:
        async with fresh_database(base_settings.database_url, schemas=[schema]) as url:
            found = await shape(url)
            assert {name for name, _ in found} == {SPINE, schema}
            apart |= found

    assert apart == expected
    assert len({name for name, _ in expected}) == len(migrate.EVERY_SCHEMA) + 1


async def test_a_database_migrated_in_one_run_of_old_is_taken_up_at_its_revision(
    base_settings: Settings,
) -> None:
    async with fresh_database(base_settings.database_url, revision="0013") as url:
        # What one run of old left: every schema at 0013, one version table.
        conn = await asyncpg.connect(url)
        try:
            for schema in migrate.EVERY_SCHEMA:
                await conn.execute(f"DROP TABLE public.alembic_version_{schema}")
            assert await conn.fetchval("SELECT version_num FROM alembic_version") == "0013"
        finally:
            await conn.close()

        await asyncio.to_thread(migrate.upgrade, url)

        head = ScriptDirectory.from_config(migrate.alembic_config(url)).get_current_head()
        conn = await asyncpg.connect(url)
        try:
            for schema in migrate.EVERY_SCHEMA:
                version = f"SELECT version_num FROM public.alembic_version_{schema}"
                assert await conn.fetchval(version) == head, schema
            # 0014's statements ran once each, in their schemas' passes.
            assert await conn.fetchval("SELECT to_regclass('wallet.users')") is not None
            assert await conn.fetchval("SELECT to_regclass('payments.cancellations')")
            refunded = (
                "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'read' "
                "AND table_name = 'payments' AND column_name = 'refunded_minor'"
            )
            assert await conn.fetchval(refunded) == 1
        finally:
            await conn.close()


async def test_azora_migrate_migrates_each_services_database_with_its_schema(
    base_settings: Settings,
) -> None:
    async with (
        fresh_database(base_settings.database_url, schemas=(), label="wallet") as wallet,
        fresh_database(base_settings.database_url, schemas=(), label="identity") as identity,
    ):
        env = {
            **os.environ,
            "AZORA_DATABASE_URL": base_settings.database_url,
            "AZORA_WALLET_DATABASE_URL": wallet,
            "AZORA_IDENTITY_DATABASE_URL": identity,
        }
        only_wallet = await asyncio.to_thread(azora, env, "migrate", "--service", "wallet")
        assert only_wallet.stdout.strip() == f"{where(wallet)}: azora, wallet up to date"
        assert await fetch_column(identity, SCHEMAS) == {SPINE}

        every = await asyncio.to_thread(azora, env, "migrate")
        assert sorted(every.stdout.splitlines()) == sorted(
            [
                f"{where(base_settings.database_url)}: azora, learning, payments, tutor, read "
                "up to date",
                f"{where(wallet)}: azora, wallet up to date",
                f"{where(identity)}: azora, identity up to date",
            ]
        )
        assert await fetch_column(identity, SCHEMAS) == {SPINE, "identity"}

        refused = await asyncio.to_thread(
            azora, env, "migrate", "--service", "ingress", check=False
        )
        assert refused.returncode == 2
        assert "the ingress keeps no schema" in refused.stderr


def azora(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "stack", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done
