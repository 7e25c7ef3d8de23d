"""TOTP steps and recovery codes work once: the ingress's own record of uses."""

from __future__ import annotations

import time
import uuid

import pyotp

from producers.ingress.second_factor import (
    UsedCodes,
    matching_step,
    recovery_codes,
    recovery_hash,
)


def test_a_time_step_is_taken_once_and_never_an_earlier_one() -> None:
    used = UsedCodes()
    user = uuid.uuid4()
    assert used.take_step(user, 100, last_recorded=0)
    assert not used.take_step(user, 100, last_recorded=0)
    assert not used.take_step(user, 99, last_recorded=0)
    assert not used.take_step(user, 101, last_recorded=101)  # another replica used it
    assert used.take_step(user, 102, last_recorded=101)


def test_a_code_matches_its_own_step_within_one_step_either_side() -> None:
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    now = time.time()
    step = int(now // 30)
    assert matching_step(secret, totp.at(now), now) == step
    assert matching_step(secret, totp.at(now + 30), now) == step + 1
    assert matching_step(secret, totp.at(now - 90), now) is None


def test_recovery_codes_are_ten_distinct_and_stable_for_one_command() -> None:
    command = uuid.uuid4()
    codes = recovery_codes("k" * 40, command)
    assert len(set(codes)) == 10
    assert codes == recovery_codes("k" * 40, command)
    assert codes != recovery_codes("k" * 40, uuid.uuid4())
    assert recovery_hash(codes[0].lower().replace("-", "")) == recovery_hash(codes[0])


def test_a_recovery_code_is_spent_once() -> None:
    used = UsedCodes()
    user = uuid.uuid4()
    digest = recovery_hash(recovery_codes("k" * 40, uuid.uuid4())[0])
    assert not used.take_recovery(user, digest, unused=[])
    assert used.take_recovery(user, digest, unused=[digest])
    assert not used.take_recovery(user, digest, unused=[digest])
