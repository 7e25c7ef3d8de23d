"""MFA on and off travel on two topics: the read model applies them in the order they
happened, by the version identity gave each, whatever order they arrive in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from consumers.projections.users import make_users
from schemas.credentials import UserMfaDisabled, UserMfaEnabled, UserMfaEnabledV2
from schemas.registration import UserRegisteredV2
from tests.support.key_store import memory_vault
from tests.support.world import World, eventually, running

pytestmark = pytest.mark.integration


async def test_an_enable_older_than_the_disable_already_applied_changes_nothing(
    world: World, db: asyncpg.Pool
) -> None:
    user_id = uuid.uuid4()
    email = f"versions-{user_id.hex[:10]}@example.org"
    await world.publish(
        [
            UserRegisteredV2(
                user_id=user_id, email=email, display_name="Ada", registered_at=datetime.now(UTC)
            )
        ]
    )

    async def credentials() -> asyncpg.Record | None:
        row: asyncpg.Record | None = await db.fetchrow(
            "SELECT mfa_version, recovery_codes FROM read.credentials WHERE user_id = $1",
            user_id,
        )
        return row

    async with running(world, make_users(memory_vault())):
        await eventually(credentials)
        await world.publish([UserMfaDisabled(user_id=user_id, version=2)])
        await eventually(lambda: _version_is(credentials, 2))
        (late,) = await world.publish(
            [
                UserMfaEnabled(
                    user_id=user_id,
                    secret_ciphertext="sealed-old-secret",
                    recovery_code_hashes=("a" * 64,),
                    version=1,
                )
            ]
        )
        await eventually(lambda: _applied(db, late.event_id))
        row = await credentials()
        assert row is not None
        assert (row["mfa_version"], row["recovery_codes"]) == (2, [])
        enabled = await db.fetchval(
            "SELECT mfa_enabled FROM read.users WHERE user_id = $1", user_id
        )
        assert enabled is False


async def test_enable_and_disable_order_by_version_across_the_legacy_and_the_new_topic(
    world: World, db: asyncpg.Pool
) -> None:
    user_id = uuid.uuid4()
    await world.publish(
        [
            UserRegisteredV2(
                user_id=user_id,
                email=f"versions-{user_id.hex[:10]}@example.org",
                display_name="Bo",
                registered_at=datetime.now(UTC),
            )
        ]
    )

    async def credentials() -> asyncpg.Record | None:
        row: asyncpg.Record | None = await db.fetchrow(
            "SELECT mfa_version, recovery_codes FROM read.credentials WHERE user_id = $1", user_id
        )
        return row

    async with running(world, make_users(memory_vault())):
        await eventually(credentials)
        await world.publish(
            [UserMfaEnabledV2(user_id=user_id, recovery_code_hashes=("b" * 64,), version=3)]
        )
        await eventually(lambda: _version_is(credentials, 3))
        (late,) = await world.publish(
            [
                UserMfaEnabled(
                    user_id=user_id,
                    secret_ciphertext="sealed-old-secret",
                    recovery_code_hashes=("a" * 64,),
                    version=1,
                )
            ]
        )
        await eventually(lambda: _applied(db, late.event_id))
        row = await credentials()
        assert row is not None
        assert (row["mfa_version"], row["recovery_codes"]) == (3, ["b" * 64])


async def _version_is(credentials: object, version: int) -> bool:
    row = await credentials()  # type: ignore[operator]
    return bool(row is not None and row["mfa_version"] == version)


async def _applied(db: asyncpg.Pool, event_id: uuid.UUID) -> bool:
    # user.mfa_enabled goes through the inbox: its id there means the event was handled.
    return bool(
        await db.fetchval(
            "SELECT count(*) FROM azora.inbox WHERE event_id = $1",
            event_id,
        )
    )
