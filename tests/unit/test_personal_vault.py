"""The vault: per-user keys seal personal fields; rotation keeps old fields readable; an
erased user's fields read as redacted, everywhere, for good."""

from __future__ import annotations

import base64
import re
import uuid

import pytest
from pydantic import BaseModel, ValidationError

from azora.personal.keys import KeyUnwrapFailed, MasterKey
from azora.personal.sealing import REDACTED, SealedFieldInvalid, is_sealed, key_version
from azora.personal.sections import open_section, seal_section
from azora.personal.vault import NoKey, UserErased, Vault
from azora.settings import Settings
from schemas.sealed import SEALED_PATTERN
from tests.support.key_store import MemoryKeyStore
from tests.support.secrets import random_secret_key


@pytest.fixture
def store() -> MemoryKeyStore:
    return MemoryKeyStore()


@pytest.fixture
def vault(store: MemoryKeyStore) -> Vault:
    return Vault(MasterKey(random_secret_key()), store)


ADA = uuid.uuid4()
BO = uuid.uuid4()


async def test_a_field_sealed_for_a_user_opens_for_that_user_and_shows_no_clear_text(
    vault: Vault,
) -> None:
    await vault.create_key(ADA)
    ring = await vault.keyring([ADA])
    sealed = ring.seal(ADA, "ada@example.org")
    assert is_sealed(sealed)
    assert sealed.startswith("pd1.1.")
    assert "ada" not in sealed
    assert ring.open(ADA, sealed) == "ada@example.org"


async def test_a_tampered_field_is_refused_not_redacted(vault: Vault) -> None:
    await vault.create_key(ADA)
    ring = await vault.keyring([ADA])
    prefix, data = ring.seal(ADA, "What is a monad?").rsplit(".", 1)
    raw = bytearray(base64.urlsafe_b64decode(data))
    raw[-1] ^= 1
    with pytest.raises(SealedFieldInvalid):
        ring.open(ADA, f"{prefix}.{base64.urlsafe_b64encode(bytes(raw)).decode()}")


async def test_a_field_copied_into_another_users_event_does_not_open(vault: Vault) -> None:
    await vault.create_key(ADA)
    await vault.create_key(BO)
    ring = await vault.keyring([ADA, BO])
    with pytest.raises(SealedFieldInvalid):
        ring.open(BO, ring.seal(ADA, "ada@example.org"))


async def test_a_field_relabelled_with_another_key_version_does_not_open(vault: Vault) -> None:
    await vault.create_key(ADA)
    await vault.rotate(ADA)
    ring = await vault.keyring([ADA])
    sealed = ring.seal(ADA, "Ada")
    relabelled = sealed.replace("pd1.2.", "pd1.1.", 1)
    with pytest.raises(SealedFieldInvalid):
        ring.open(ADA, relabelled)


async def test_after_rotation_new_fields_use_the_new_version_and_old_ones_still_open(
    vault: Vault,
) -> None:
    await vault.create_key(ADA)
    old = (await vault.keyring([ADA])).seal(ADA, "old goal")
    assert await vault.rotate(ADA) == 2
    ring = await vault.keyring([ADA])
    new = ring.seal(ADA, "new goal")
    assert (key_version(old), key_version(new)) == (1, 2)
    assert (ring.open(ADA, old), ring.open(ADA, new)) == ("old goal", "new goal")


async def test_creating_a_key_twice_keeps_the_first(vault: Vault) -> None:
    assert await vault.create_key(ADA) == 1
    sealed = (await vault.keyring([ADA])).seal(ADA, "Ada")
    assert await vault.create_key(ADA) == 1
    assert (await vault.keyring([ADA])).open(ADA, sealed) == "Ada"


async def test_an_erased_users_fields_of_every_version_read_as_redacted(vault: Vault) -> None:
    await vault.create_key(ADA)
    await vault.create_key(BO)
    first = (await vault.keyring([ADA])).seal(ADA, "ada@example.org")
    await vault.rotate(ADA)
    second = (await vault.keyring([ADA])).seal(ADA, "Ada Lovelace")
    bos = (await vault.keyring([BO])).seal(BO, "bo@example.org")

    assert await vault.destroy(ADA) == 2

    ring = await vault.keyring([ADA, BO])
    assert (ring.open(ADA, first), ring.open(ADA, second)) == (REDACTED, REDACTED)
    assert ring.open(BO, bos) == "bo@example.org", "another user is untouched"
    with pytest.raises(NoKey):
        ring.seal(ADA, "anything new")


async def test_no_key_is_made_again_for_an_erased_user(vault: Vault) -> None:
    await vault.create_key(ADA)
    await vault.destroy(ADA)
    with pytest.raises(UserErased):
        await vault.create_key(ADA)
    with pytest.raises(UserErased):
        await vault.rotate(ADA)


async def test_a_value_written_before_fields_were_sealed_reads_as_it_is(vault: Vault) -> None:
    ring = await vault.keyring([ADA])
    assert ring.open(ADA, "legacy@example.org") == "legacy@example.org"


async def test_keys_wrapped_by_another_master_key_do_not_unwrap(store: MemoryKeyStore) -> None:
    await Vault(MasterKey(random_secret_key()), store).create_key(ADA)
    with pytest.raises(KeyUnwrapFailed):
        await Vault(MasterKey(random_secret_key()), store).keyring([ADA])


def test_a_short_personal_data_key_is_refused_and_a_private_one_accepted() -> None:
    with pytest.raises(ValidationError, match="AZORA_PERSONAL_DATA_KEY must be at least"):
        Settings(personal_data_key="aB3$eF6&hI9*kL")  # type: ignore[arg-type]
    given = random_secret_key()
    settings = Settings(personal_data_key=given)  # type: ignore[arg-type]
    assert settings.required_secret("personal_data_key") == given


class _Question(BaseModel):
    question: str


async def test_a_sealed_section_opens_to_its_model_until_the_user_is_erased(
    vault: Vault,
) -> None:
    ada = uuid.uuid4()
    await vault.create_key(ada)
    question = _Question(question="Why is the sky blue?")
    sealed = seal_section(await vault.keyring([ada]), ada, question)

    assert re.fullmatch(SEALED_PATTERN, sealed)
    opened = open_section(await vault.keyring([ada]), ada, sealed, _Question)
    assert opened == question
    await vault.destroy(ada)
    assert open_section(await vault.keyring([ada]), ada, sealed, _Question) is None


async def test_a_section_sealed_for_one_user_does_not_open_as_another_users(
    vault: Vault,
) -> None:
    ada, bob = uuid.uuid4(), uuid.uuid4()
    await vault.create_key(ada)
    await vault.create_key(bob)
    ring = await vault.keyring([ada, bob])
    sealed = seal_section(ring, ada, _Question(question="mine"))

    with pytest.raises(SealedFieldInvalid):
        open_section(ring, bob, sealed, _Question)
