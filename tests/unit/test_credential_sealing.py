"""Login secrets sealed by identity open for the ingress, for that user, and nowhere else."""

from __future__ import annotations

import uuid

import pytest

from azora.credential_sealing import (
    CredentialsSealError,
    LoginSecrets,
    open_credentials,
    seal_credentials,
)
from azora.crypto import CREDENTIALS, REGISTRATION, SecretBox
from tests.support.secrets import random_secret_key

HASH = "$argon2id$v=19$m=65536,t=3,p=4$abcdefgh$ijklmnop"
TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
DEPLOYMENT = SecretBox(random_secret_key())
FOR_THE_INGRESS = DEPLOYMENT.for_purpose(CREDENTIALS)


def test_the_ingress_opens_what_identity_sealed_for_the_user() -> None:
    user = uuid.uuid4()
    sealed = seal_credentials(FOR_THE_INGRESS, user, LoginSecrets(HASH, TOTP))
    assert open_credentials(FOR_THE_INGRESS, user, sealed) == LoginSecrets(HASH, TOTP)


def test_the_sealed_value_holds_neither_the_hash_nor_the_secret_in_clear() -> None:
    sealed = seal_credentials(FOR_THE_INGRESS, uuid.uuid4(), LoginSecrets(HASH, TOTP))
    assert HASH not in sealed
    assert TOTP not in sealed
    assert "argon2" not in sealed


def test_an_account_without_a_password_or_mfa_seals_and_opens_as_none() -> None:
    user = uuid.uuid4()
    sealed = seal_credentials(FOR_THE_INGRESS, user, LoginSecrets(None, None))
    assert open_credentials(FOR_THE_INGRESS, user, sealed) == LoginSecrets(None, None)


def test_a_value_moved_onto_another_users_row_does_not_open() -> None:
    sealed = seal_credentials(FOR_THE_INGRESS, uuid.uuid4(), LoginSecrets(HASH, None))
    with pytest.raises(CredentialsSealError, match="do not open"):
        open_credentials(FOR_THE_INGRESS, uuid.uuid4(), sealed)


def test_a_key_of_another_purpose_or_deployment_does_not_open_it() -> None:
    user = uuid.uuid4()
    sealed = seal_credentials(FOR_THE_INGRESS, user, LoginSecrets(HASH, None))
    for other in (
        DEPLOYMENT.for_purpose(REGISTRATION),
        SecretBox(random_secret_key()).for_purpose(CREDENTIALS),
    ):
        with pytest.raises(CredentialsSealError):
            open_credentials(other, user, sealed)


def test_a_value_that_is_not_sealed_credentials_is_refused() -> None:
    with pytest.raises(CredentialsSealError, match="not a sealed"):
        open_credentials(FOR_THE_INGRESS, uuid.uuid4(), HASH)


def test_a_digest_is_the_same_for_the_same_value_and_names_nothing() -> None:
    box = DEPLOYMENT.for_purpose(REGISTRATION)
    assert box.digest("a@example.org") == box.digest("a@example.org")
    assert box.digest("a@example.org") != box.digest("b@example.org")
    assert "example" not in box.digest("a@example.org")
    # Another deployment (or purpose) digests the same address differently: the digest
    # cannot be checked against a list of addresses without the key.
    assert SecretBox(random_secret_key()).for_purpose(REGISTRATION).digest(
        "a@example.org"
    ) != box.digest("a@example.org")
    assert DEPLOYMENT.for_purpose(CREDENTIALS).digest("a@example.org") != box.digest(
        "a@example.org"
    )
