"""Stripe client secrets sealed for the ingress: only the payment they were sealed for, and
only a key the process holds, opens them; a rotation keeps what the old key sealed."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from azora.payment_sealing import ClientSecretSeal, SealError
from azora.settings import Settings
from tests.support.secrets import random_sealing_key

SECRET = "pi_3Q_secret_kZ8x"


def test_a_sealed_secret_opens_for_its_payment_and_is_not_in_the_sealed_text() -> None:
    seal, payment = ClientSecretSeal(random_sealing_key()), uuid.uuid4()
    sealed = seal.seal(payment, SECRET)
    assert SECRET not in sealed
    assert seal.open(payment, sealed) == SECRET


def test_a_sealed_secret_copied_to_another_payment_does_not_open() -> None:
    seal = ClientSecretSeal(random_sealing_key())
    sealed = seal.seal(uuid.uuid4(), SECRET)
    with pytest.raises(SealError, match="does not open for this payment"):
        seal.open(uuid.uuid4(), sealed)


def test_another_key_or_a_tampered_value_does_not_open_it() -> None:
    payment = uuid.uuid4()
    sealed = ClientSecretSeal(random_sealing_key()).seal(payment, SECRET)
    with pytest.raises(SealError, match="which this process does not hold"):
        ClientSecretSeal(random_sealing_key()).open(payment, sealed)
    seal = ClientSecretSeal(random_sealing_key())
    mine = seal.seal(payment, SECRET)
    tampered = mine[:-4] + ("AAAA" if not mine.endswith("AAAA") else "BBBB")
    with pytest.raises(SealError, match="does not open"):
        seal.open(payment, tampered)
    with pytest.raises(SealError, match="not a sealed client secret"):
        seal.open(payment, SECRET)


def test_after_a_rotation_what_the_previous_key_sealed_still_opens() -> None:
    old, new, payment = random_sealing_key(), random_sealing_key(), uuid.uuid4()
    before = ClientSecretSeal(old).seal(payment, SECRET)
    rotated = ClientSecretSeal(new, previous=old)
    assert rotated.open(payment, before) == SECRET
    assert ClientSecretSeal(new).open(payment, rotated.seal(payment, SECRET)) == SECRET


@pytest.mark.parametrize("value", ["short-key", "ab" * 20])
def test_a_short_or_repetitive_sealing_key_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="AZORA_PAYMENT_SEALING_KEY"):
        Settings(payment_sealing_key=value)


def test_without_a_sealing_key_the_seal_cannot_be_made_and_says_which_setting() -> None:
    with pytest.raises(RuntimeError, match="AZORA_PAYMENT_SEALING_KEY must be set"):
        Settings(payment_sealing_key=None).client_secret_seal()
