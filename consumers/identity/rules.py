"""Identity's rules as pure functions: who gets an account, whose MFA code is right."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pyotp

from schemas.credentials import UserMfaEnabledV2, UserMfaEnableRejected, UserMfaEnableRequested
from schemas.registration import (
    UserRegisteredV3,
    UserRegistrationRejectedV2,
    UserRegistrationRequested,
    UserRegistrationRequestedV2,
    UserRegistrationRequestedV3,
)

Registration = UserRegistrationRequested | UserRegistrationRequestedV2 | UserRegistrationRequestedV3
# A registration as identity decides it: opened (email, name and hash in clear, in memory).
OpenedRegistration = UserRegistrationRequested

EMAIL_TAKEN = "email already registered"
NO_MFA_SETUP = "no MFA setup in progress; call /v1/auth/mfa/setup first"
WRONG_CODE = "the code does not match the authenticator secret"
REAUTHENTICATE = (
    "MFA is on: replacing the authenticator needs your password or a current code "
    "(send password or totp_code with the new code)"
)


def registration_outcome(
    request: OpenedRegistration, personal: str | None, registered_at: datetime
) -> UserRegisteredV3 | UserRegistrationRejectedV2:
    """The fact that settles a registration: the account, its email and name as `personal`
    (sealed with the new user's key), never its hash; or, for an account not created
    (`personal` None), why there is none, naming no email."""
    if personal is not None:
        return UserRegisteredV3(
            user_id=request.user_id, personal=personal, registered_at=registered_at
        )
    return UserRegistrationRejectedV2(user_id=request.user_id, reason=EMAIL_TAKEN)


def first_per_email(requests: Sequence[OpenedRegistration]) -> list[int]:
    """Indexes of the first request for each email in a batch: later ones lose the race."""
    seen: set[str] = set()
    winners = []
    for index, request in enumerate(requests):
        if request.email not in seen:
            seen.add(request.email)
            winners.append(index)
    return winners


@dataclass(frozen=True)
class MfaDecision:
    """The outcome of an enable request, and the secret to activate if it succeeded."""

    outcome: UserMfaEnabledV2 | UserMfaEnableRejected
    activate: str | None


def mfa_outcome(
    request: UserMfaEnableRequested,
    pending_ciphertext: str | None,
    pending_secret: str | None,
    *,
    active: bool = False,
    version: int = 1,
) -> MfaDecision:
    """Check the code against the pending secret at the moment the user submitted it.

    With MFA already on, the request replaces the authenticator: only a re-authenticated
    one may (a stolen access token alone must not take the account over). `version` is the
    one the new state gets.
    """
    user_id: uuid.UUID = request.user_id
    if active and not request.reauthenticated:
        return MfaDecision(UserMfaEnableRejected(user_id=user_id, reason=REAUTHENTICATE), None)
    if pending_ciphertext is None or pending_secret is None:
        return MfaDecision(UserMfaEnableRejected(user_id=user_id, reason=NO_MFA_SETUP), None)
    # One step either side: the user typed the code up to 30 s before or after submitting.
    if not pyotp.TOTP(pending_secret).verify(
        request.code, for_time=request.submitted_at, valid_window=1
    ):
        return MfaDecision(UserMfaEnableRejected(user_id=user_id, reason=WRONG_CODE), None)
    # The fact carries no secret: identity keeps it (sealed) in its own schema.
    enabled = UserMfaEnabledV2(
        user_id=user_id, recovery_code_hashes=request.recovery_code_hashes, version=version
    )
    return MfaDecision(enabled, pending_ciphertext)
