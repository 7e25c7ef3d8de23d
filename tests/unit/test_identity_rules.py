"""Identity's decisions, as pure functions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from azora.consume.errors import PermanentError
from azora.crypto import REGISTRATION, SecretBox
from consumers.identity.handlers import opened_registration
from consumers.identity.rules import (
    EMAIL_TAKEN,
    NO_MFA_SETUP,
    REAUTHENTICATE,
    WRONG_CODE,
    first_per_email,
    mfa_outcome,
    registration_outcome,
)
from schemas.account_fields import AccountDetails
from schemas.credentials import UserMfaEnabledV2, UserMfaEnableRejected, UserMfaEnableRequested
from schemas.registration import (
    UserRegisteredV3,
    UserRegistrationRejectedV2,
    UserRegistrationRequested,
    UserRegistrationRequestedV2,
    UserRegistrationRequestedV3,
)
from tests.support.secrets import random_secret_key

HASH = "$argon2id$v=19$m=65536,t=3,p=4$abcdefgh$ijklmnop"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def request(email: str) -> UserRegistrationRequested:
    return UserRegistrationRequested(
        user_id=uuid.uuid4(), email=email, display_name="Someone", password_hash=HASH
    )


SEALED_SECTION = "pd1.1." + "A" * 60


def test_a_created_account_is_registered_as_a_student_with_its_details_sealed() -> None:
    outcome = registration_outcome(
        request("a@example.org"), personal=SEALED_SECTION, registered_at=NOW
    )
    assert isinstance(outcome, UserRegisteredV3)
    assert outcome.roles == ("student",)
    assert outcome.personal == SEALED_SECTION
    published = outcome.model_dump_json()
    assert HASH not in published
    assert "a@example.org" not in published
    assert "Someone" not in published


IDENTITY = SecretBox(random_secret_key()).for_purpose(REGISTRATION)


def sealed_request(user_id: uuid.UUID, sealed_for: uuid.UUID) -> UserRegistrationRequestedV2:
    return UserRegistrationRequestedV2(
        user_id=user_id,
        email="a@example.org",
        display_name="Someone",
        sealed_password_hash=IDENTITY.seal(HASH, bound_to=str(sealed_for)),
    )


def fully_sealed_request(
    user_id: uuid.UUID, sealed_for: uuid.UUID, details: str | None = None
) -> UserRegistrationRequestedV3:
    clear = details or AccountDetails(email="a@example.org", display_name="Ada").model_dump_json()
    return UserRegistrationRequestedV3(
        user_id=user_id,
        email_key=IDENTITY.digest("a@example.org"),
        sealed_details=IDENTITY.seal(clear, bound_to=str(sealed_for)),
        sealed_password_hash=IDENTITY.seal(HASH, bound_to=str(user_id)),
    )


def test_identity_opens_the_email_name_and_hash_a_registration_carries_sealed() -> None:
    user = uuid.uuid4()
    opened = opened_registration(IDENTITY, fully_sealed_request(user, sealed_for=user))
    assert (opened.user_id, opened.email, opened.display_name) == (user, "a@example.org", "Ada")
    assert opened.password_hash == HASH


def test_details_sealed_for_another_user_are_refused_for_good() -> None:
    with pytest.raises(PermanentError, match="account details does not open"):
        opened_registration(IDENTITY, fully_sealed_request(uuid.uuid4(), uuid.uuid4()))


def test_sealed_details_that_are_not_an_account_are_refused_without_echoing_them() -> None:
    user = uuid.uuid4()
    broken = fully_sealed_request(user, user, details='{"email": "not-an-email-at-all"}')
    with pytest.raises(PermanentError, match="not valid") as refused:
        opened_registration(IDENTITY, broken)
    assert "not-an-email-at-all" not in str(refused.value)


def test_identity_opens_the_hash_a_previous_registration_carries_sealed_for_its_user() -> None:
    user = uuid.uuid4()
    opened = opened_registration(IDENTITY, sealed_request(user, sealed_for=user))
    assert opened.password_hash == HASH


def test_a_hash_sealed_for_another_user_is_refused_for_good() -> None:
    with pytest.raises(PermanentError, match="does not open"):
        opened_registration(IDENTITY, sealed_request(uuid.uuid4(), sealed_for=uuid.uuid4()))


def test_a_hash_sealed_with_another_deployments_key_is_refused_for_good() -> None:
    user = uuid.uuid4()
    other = SecretBox(random_secret_key()).for_purpose(REGISTRATION)
    with pytest.raises(PermanentError):
        opened_registration(other, sealed_request(user, sealed_for=user))


def test_a_legacy_registration_written_during_an_upgrade_is_taken_as_it_is() -> None:
    legacy = request("a@example.org")
    assert opened_registration(IDENTITY, legacy) == legacy


def test_an_account_not_created_is_rejected_because_the_email_is_taken_naming_no_email() -> None:
    outcome = registration_outcome(request("a@example.org"), personal=None, registered_at=NOW)
    assert isinstance(outcome, UserRegistrationRejectedV2)
    assert outcome.reason == EMAIL_TAKEN
    assert "a@example.org" not in outcome.model_dump_json()


def test_within_a_batch_the_first_request_for_an_email_wins() -> None:
    batch = [request("a@example.org"), request("b@example.org"), request("A@example.org")]
    assert first_per_email(batch) == [0, 1]


def enable(code: str, at: datetime = NOW) -> UserMfaEnableRequested:
    return UserMfaEnableRequested(user_id=uuid.uuid4(), code=code, submitted_at=at)


def test_mfa_turns_on_when_the_code_matches_and_the_fact_carries_no_secret() -> None:
    secret = pyotp.random_base32()
    code = pyotp.TOTP(secret).at(NOW)
    decision = mfa_outcome(enable(code), "sealed", secret)
    assert isinstance(decision.outcome, UserMfaEnabledV2)
    assert decision.activate == "sealed"
    published = decision.outcome.model_dump_json()
    assert "sealed" not in published
    assert secret not in published


def test_a_code_from_a_minute_away_is_rejected() -> None:
    secret = pyotp.random_base32()
    code = pyotp.TOTP(secret).at(NOW - timedelta(minutes=2))
    decision = mfa_outcome(enable(code), "sealed", secret)
    assert isinstance(decision.outcome, UserMfaEnableRejected)
    assert decision.outcome.reason == WRONG_CODE
    assert decision.activate is None


def test_mfa_cannot_turn_on_without_a_setup() -> None:
    decision = mfa_outcome(enable("123456"), None, None)
    assert isinstance(decision.outcome, UserMfaEnableRejected)
    assert decision.outcome.reason == NO_MFA_SETUP


def test_replacing_an_active_authenticator_needs_re_authentication() -> None:
    secret = pyotp.random_base32()
    now = datetime.now(UTC)
    request = UserMfaEnableRequested(
        user_id=uuid.uuid4(), code=pyotp.TOTP(secret).at(now), submitted_at=now
    )
    refused = mfa_outcome(request, "sealed", secret, active=True)
    assert refused.activate is None
    assert isinstance(refused.outcome, UserMfaEnableRejected)
    assert refused.outcome.reason == REAUTHENTICATE
    proven = request.model_copy(update={"reauthenticated": True})
    replaced = mfa_outcome(proven, "sealed", secret, active=True, version=3)
    assert replaced.activate == "sealed"
    assert isinstance(replaced.outcome, UserMfaEnabledV2)
    assert replaced.outcome.version == 3
