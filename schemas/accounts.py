"""Account commands and events: registration, MFA and sessions."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

from schemas.base import ContractModel
from schemas.topic import TopicSpec, command, event

# One spelling per mailbox, so uniqueness and keying agree ("A@x.io" == "a@x.io"). Events
# check the shape only (in pydantic-core, fast); the ingress checks addresses in full.
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ),
]
DisplayName = Annotated[str, Field(min_length=1, max_length=100)]
Role = Annotated[str, Field(pattern=r"^(student|instructor|admin)$")]


class UserRegistrationRequested(ContractModel):
    """Command: create an account (hashed by the ingress: plaintext never reaches Kafka)."""

    user_id: uuid.UUID
    email: Email
    display_name: DisplayName
    password_hash: str = Field(min_length=20, max_length=500)


class UserRegistered(ContractModel):
    """Fact: an account exists. Carries the hash so the credentials read model can be rebuilt."""

    user_id: uuid.UUID
    email: Email
    display_name: DisplayName
    password_hash: str = Field(min_length=20, max_length=500)
    roles: tuple[Role, ...] = ("student",)
    registered_at: AwareDatetime


class UserRegistrationRejected(ContractModel):
    """Fact: a registration was refused (the email is taken, for instance)."""

    user_id: uuid.UUID
    email: Email
    reason: str = Field(min_length=1, max_length=500)


class UserMfaSetupRequested(ContractModel):
    """Command: remember a new TOTP secret (encrypted) until the user proves they can use it."""

    user_id: uuid.UUID
    secret_ciphertext: str = Field(min_length=1, max_length=1000)


class UserMfaEnableRequested(ContractModel):
    """Command: turn MFA on if `code` matches the pending secret at `submitted_at`."""

    user_id: uuid.UUID
    code: str = Field(pattern=r"^[0-9]{6}$")
    submitted_at: AwareDatetime


class UserMfaEnabled(ContractModel):
    """Fact: MFA is on; logins now need a TOTP code for this (encrypted) secret."""

    user_id: uuid.UUID
    secret_ciphertext: str = Field(min_length=1, max_length=1000)


class UserMfaEnableRejected(ContractModel):
    """Fact: an attempt to turn MFA on failed (wrong code, no setup in progress)."""

    user_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=500)


class SessionStarted(ContractModel):
    """Fact: a login issued a refresh token of generation 0 for this session."""

    session_id: uuid.UUID
    user_id: uuid.UUID
    started_at: AwareDatetime
    expires_at: AwareDatetime


class SessionRefreshed(ContractModel):
    """Fact: the session's refresh token rotated; tokens of older generations stop working."""

    session_id: uuid.UUID
    user_id: uuid.UUID
    generation: int = Field(ge=1)
    refreshed_at: AwareDatetime


class SessionRevoked(ContractModel):
    """Fact: the session ended (logout, or a replayed refresh token was seen)."""

    session_id: uuid.UUID
    user_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=200)
    revoked_at: AwareDatetime


# The topics these models travel on, in the order the catalogue lists them.

# Keyed by email: two racing registrations of one address meet in one partition.
USER_REGISTRATION_REQUESTED = command(
    "user.registration_requested",
    UserRegistrationRequested,
    key="email",
    description="A visitor asked for an account.",
)
USER_REGISTERED = event(
    "user.registered",
    UserRegistered,
    key="user_id",
    description="An account was created.",
    settles="succeeded",
)
USER_REGISTRATION_REJECTED = event(
    "user.registration_rejected",
    UserRegistrationRejected,
    key="user_id",
    description="A registration was refused, with the reason.",
    settles="rejected",
)
USER_MFA_SETUP_REQUESTED = command(
    "user.mfa_setup_requested",
    UserMfaSetupRequested,
    key="user_id",
    description="A user started MFA setup with a new (encrypted) TOTP secret.",
    tracked=False,
)
USER_MFA_ENABLE_REQUESTED = command(
    "user.mfa_enable_requested",
    UserMfaEnableRequested,
    key="user_id",
    description="A user sent a TOTP code to turn MFA on.",
)
USER_MFA_ENABLED = event(
    "user.mfa_enabled",
    UserMfaEnabled,
    key="user_id",
    description="MFA was turned on for a user.",
    settles="succeeded",
)
USER_MFA_ENABLE_REJECTED = event(
    "user.mfa_enable_rejected",
    UserMfaEnableRejected,
    key="user_id",
    description="Turning MFA on failed, with the reason.",
    settles="rejected",
)
SESSION_STARTED = event(
    "session.started", SessionStarted, key="user_id", description="A login opened a session."
)
SESSION_REFRESHED = event(
    "session.refreshed",
    SessionRefreshed,
    key="user_id",
    description="A session's refresh token rotated.",
)
SESSION_REVOKED = event(
    "session.revoked",
    SessionRevoked,
    key="user_id",
    description="A session ended (logout or refresh-token reuse).",
)

TOPICS: tuple[TopicSpec, ...] = (
    USER_REGISTRATION_REQUESTED,
    USER_REGISTERED,
    USER_REGISTRATION_REJECTED,
    USER_MFA_SETUP_REQUESTED,
    USER_MFA_ENABLE_REQUESTED,
    USER_MFA_ENABLED,
    USER_MFA_ENABLE_REJECTED,
    SESSION_STARTED,
    SESSION_REFRESHED,
    SESSION_REVOKED,
)
