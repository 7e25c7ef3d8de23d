"""Account commands and events: registration, MFA and sessions."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

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


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class UserRegistrationRequested(_Model):
    """Command: create an account (hashed by the ingress: plaintext never reaches Kafka)."""

    user_id: uuid.UUID
    email: Email
    display_name: DisplayName
    password_hash: str = Field(min_length=20, max_length=500)


class UserRegistered(_Model):
    """Fact: an account exists. Carries the hash so the credentials read model can be rebuilt."""

    user_id: uuid.UUID
    email: Email
    display_name: DisplayName
    password_hash: str = Field(min_length=20, max_length=500)
    roles: tuple[Role, ...] = ("student",)
    registered_at: AwareDatetime


class UserRegistrationRejected(_Model):
    """Fact: a registration was refused (the email is taken, for instance)."""

    user_id: uuid.UUID
    email: Email
    reason: str = Field(min_length=1, max_length=500)


class UserMfaSetupRequested(_Model):
    """Command: remember a new TOTP secret (encrypted) until the user proves they can use it."""

    user_id: uuid.UUID
    secret_ciphertext: str = Field(min_length=1, max_length=1000)


class UserMfaEnableRequested(_Model):
    """Command: turn MFA on if `code` matches the pending secret at `submitted_at`."""

    user_id: uuid.UUID
    code: str = Field(pattern=r"^[0-9]{6}$")
    submitted_at: AwareDatetime


class UserMfaEnabled(_Model):
    """Fact: MFA is on; logins now need a TOTP code for this (encrypted) secret."""

    user_id: uuid.UUID
    secret_ciphertext: str = Field(min_length=1, max_length=1000)


class UserMfaEnableRejected(_Model):
    """Fact: an attempt to turn MFA on failed (wrong code, no setup in progress)."""

    user_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=500)


class SessionStarted(_Model):
    """Fact: a login issued a refresh token of generation 0 for this session."""

    session_id: uuid.UUID
    user_id: uuid.UUID
    started_at: AwareDatetime
    expires_at: AwareDatetime


class SessionRefreshed(_Model):
    """Fact: the session's refresh token rotated; tokens of older generations stop working."""

    session_id: uuid.UUID
    user_id: uuid.UUID
    generation: int = Field(ge=1)
    refreshed_at: AwareDatetime


class SessionRevoked(_Model):
    """Fact: the session ended (logout, or a replayed refresh token was seen)."""

    session_id: uuid.UUID
    user_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=200)
    revoked_at: AwareDatetime
