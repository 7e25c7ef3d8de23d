"""A registration's password hash travels sealed for identity and ends in identity's schema;
one that does not open is dead-lettered with the cause, and makes no account."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from azora.consume import dead_letters
from azora.credential_sealing import LoginSecrets, open_credentials
from azora.crypto import CREDENTIALS, REGISTRATION
from consumers.identity.service import make_identity
from schemas import catalogue
from schemas.credentials import UserCredentialsSet
from schemas.registration import UserRegisteredV2, UserRegistrationRequestedV2
from stack import composition
from tests.support.key_store import memory_vault
from tests.support.world import World, eventually, running

pytestmark = pytest.mark.integration

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"


def sealed_registration(
    world: World, sealed_for: uuid.UUID | None = None
) -> UserRegistrationRequestedV2:
    user_id = uuid.uuid4()
    box = composition.secret_box(world.settings).for_purpose(REGISTRATION)
    return UserRegistrationRequestedV2(
        user_id=user_id,
        email=f"sealed-{user_id.hex[:12]}@example.org",
        display_name="Ada",
        sealed_password_hash=box.seal(HASH, bound_to=str(sealed_for or user_id)),
    )


async def test_the_hash_is_kept_by_identity_alone_and_a_transplanted_one_is_dead_lettered(
    world: World, db: asyncpg.Pool
) -> None:
    good = sealed_registration(world)
    transplanted = sealed_registration(world, sealed_for=uuid.uuid4())
    await world.publish([good, transplanted])

    async with running(
        world,
        make_identity(
            composition.secret_box(world.settings), composition.personal_vault(world.settings)
        ),
    ):
        stored = "SELECT password_hash FROM identity.credentials WHERE user_id = $1"
        await eventually(lambda: db.fetchval(stored, good.user_id))
        assert await db.fetchval(stored, good.user_id) == HASH
        (letter,) = await world.wait_for_records(
            world.names.dlq(catalogue.USER_REGISTRATION_REQUESTED_V2), 1
        )
        (registered,) = await world.wait_for_records(
            world.names.physical(catalogue.USER_REGISTERED_V3), 1
        )

    headers = {k: v.decode() for k, v in letter.headers}
    assert "does not open" in headers[dead_letters.ERROR]
    assert headers[dead_letters.ERROR_KIND] == "permanent"
    accounts = "SELECT count(*) FROM identity.accounts WHERE user_id = $1"
    assert await db.fetchval(accounts, transplanted.user_id) == 0
    assert registered.value is not None
    assert str(good.user_id).encode() in registered.value
    assert b"argon2" not in registered.value
    # A command of the previous release (email in clear) still gives a sealed fact.
    assert good.email.encode() not in registered.value


async def test_an_account_created_before_login_secrets_were_published_gets_them_once(
    world: World, db: asyncpg.Pool
) -> None:
    # An account identity created in an earlier release: in its schema, with no
    # `user.credentials_set` yet; its earlier fact is what identity publishes them from.
    user_id = uuid.uuid4()
    email = f"before-{user_id.hex[:12]}@example.org"
    await db.execute(
        "INSERT INTO identity.accounts (user_id, email, display_name, created_at)"
        " VALUES ($1, $2, 'Ada', now())",
        user_id,
        email,
    )
    await db.execute(
        "INSERT INTO identity.credentials (user_id, password_hash) VALUES ($1, $2)", user_id, HASH
    )
    earlier = UserRegisteredV2(
        user_id=user_id, email=email, display_name="Ada", registered_at=datetime.now(UTC)
    )
    await world.publish([earlier])

    identity = make_identity(composition.secret_box(world.settings), memory_vault())
    async with running(world, identity):
        (value,) = await world.wait_for_records(
            world.names.physical(catalogue.USER_CREDENTIALS_SET), 1
        )

    assert value.key == str(user_id).encode()
    assert value.value is not None
    assert b"argon2" not in value.value
    published = UserCredentialsSet.model_validate(json.loads(value.value)["payload"])
    assert published.sealed is not None
    box = composition.secret_box(world.settings).for_purpose(CREDENTIALS)
    assert open_credentials(box, user_id, published.sealed) == LoginSecrets(HASH, None)
