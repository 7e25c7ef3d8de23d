"""Account commands and events: registration, MFA and sessions."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

from schemas.base import ContractModel
from schemas.sealed import SealedPersonal
from schemas.topic import DAY_MS, TopicSpec, command, event

# Commands that carry a secret (sealed) are kept a day: long enough for identity to read
# them after an outage, short enough that the sealed copy does not outlive its use.
SECRET_COMMAND_RETENTION_MS = DAY_MS

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
    """Legacy command (`user.registration_requested`): carried the hash in clear.

    Superseded by `UserRegistrationRequestedV2`; identity still reads it, so commands an
    ingress of the previous release wrote during a rolling upgrade are not lost.
    """

    user_id: uuid.UUID
    email: Email
    display_name: DisplayName
    password_hash: str = Field(min_length=20, max_length=500)


class UserRegistered(ContractModel):
    """Legacy fact (`user.registered`): carried the hash in clear, for ever.

    Superseded by `UserRegisteredV2`. The topic stays readable: projections rebuild the
    accounts registered before it, and identity imports their hashes into its own schema.
    """

    user_id: uuid.UUID
    email: Email
    display_name: DisplayName
    password_hash: str = Field(min_length=20, max_length=500)
    roles: tuple[Role, ...] = ("student",)
    registered_at: AwareDatetime


# A password hash sealed for identity alone (`azora.crypto.REGISTRATION`): AES-256-GCM,
# base64url of nonce + ciphertext + tag, bound to the user id as associated data.
SealedHash = Annotated[str, Field(min_length=40, max_length=1000)]


class UserRegistrationRequestedV2(ContractModel):
    """Previous command (`user.registration_requested.v2`): the hash sealed for identity, the
    email and name in clear. Superseded by `UserRegistrationRequestedV3`; identity still
    reads it, for commands an ingress of the previous release wrote during an upgrade."""

    user_id: uuid.UUID
    email: Email
    display_name: DisplayName
    sealed_password_hash: SealedHash


class UserRegisteredV2(ContractModel):
    """Previous fact (`user.registered.v2`): the email and name in clear, for ever.
    Superseded by `UserRegisteredV3`; read for replays and rebuilds, never written."""

    user_id: uuid.UUID
    email: Email
    display_name: DisplayName
    roles: tuple[Role, ...] = ("student",)
    registered_at: AwareDatetime


class UserRegistrationRejected(ContractModel):
    """Legacy fact (`user.registration_rejected`): named the email in clear, for ever.

    Superseded by `UserRegistrationRejectedV2`; still read to settle commands."""

    user_id: uuid.UUID
    email: Email
    reason: str = Field(min_length=1, max_length=500)


class AccountDetails(ContractModel):
    """The personal section of an account's facts: sealed whole with the user's key
    (`schemas.sealed`), or, in a registration command, for identity alone."""

    email: Email
    display_name: DisplayName


# HMAC-SHA256 (hex) of a value under a key derived from the deployment's secret
# (`azora.crypto.SecretBox.digest`): equal values meet in one partition, and the key of a
# record names nobody.
RoutingKey = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
# `AccountDetails` as JSON, sealed for identity alone (`azora.crypto.REGISTRATION`), bound
# to the user id: base64url of nonce + ciphertext + tag.
SealedForIdentity = Annotated[str, Field(min_length=40, max_length=2000)]


class UserRegistrationRequestedV3(ContractModel):
    """Command: create an account. The email and name travel sealed for identity, as the
    password hash does; the record is keyed by a keyed digest of the email, so two
    registrations of one address still meet in one partition, and nothing names it."""

    user_id: uuid.UUID
    email_key: RoutingKey
    sealed_details: SealedForIdentity
    sealed_password_hash: SealedHash


class UserRegisteredV3(ContractModel):
    """Fact: an account exists. Its email and name are one section sealed with the user's
    personal-data key (`AccountDetails`): erasing the user makes every copy unreadable."""

    user_id: uuid.UUID
    roles: tuple[Role, ...] = ("student",)
    registered_at: AwareDatetime
    personal: SealedPersonal


class UserRegistrationRejectedV2(ContractModel):
    """Fact: a registration was refused (the email is taken, for instance). It names no
    email: the person who asked knows which one, and nobody else needs to."""

    user_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=500)


class UserMfaSetupRequested(ContractModel):
    """Command: remember a new TOTP secret (encrypted) until the user proves they can use it."""

    user_id: uuid.UUID
    secret_ciphertext: str = Field(min_length=1, max_length=1000)


# SHA-256 (hex) of a recovery code: the codes carry 80 random bits, so a fast digest is
# as safe as a slow one, and a login can check one code against ten without ten argon2s.
RecoveryCodeHash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class UserMfaEnableRequested(ContractModel):
    """Command: turn MFA on if `code` matches the pending secret at `submitted_at`.

    When MFA is already on this replaces the authenticator, which identity allows only if
    the ingress saw the password or a current code (`reauthenticated`). The recovery codes
    (their hashes) become valid with the new authenticator.
    """

    user_id: uuid.UUID
    code: str = Field(pattern=r"^[0-9]{6}$")
    submitted_at: AwareDatetime
    reauthenticated: bool = False
    recovery_code_hashes: tuple[RecoveryCodeHash, ...] = Field(default=(), max_length=20)


class UserMfaEnabled(ContractModel):
    """Legacy fact (`user.mfa_enabled`): carried the sealed TOTP secret, for ever.

    Superseded by `UserMfaEnabledV2`; still read so the read models rebuild the MFA state
    of users who turned it on before (their secret is in identity's schema already)."""

    user_id: uuid.UUID
    secret_ciphertext: str = Field(min_length=1, max_length=1000)
    recovery_code_hashes: tuple[RecoveryCodeHash, ...] = Field(default=(), max_length=20)
    version: int = Field(default=0, ge=0)


class UserMfaEnabledV2(ContractModel):
    """Fact: MFA is on; logins now need a TOTP code (for the secret identity keeps in its
    own schema: no event carries it), or one of the recovery codes. `version` orders it
    with `user.mfa_disabled` (the later one wins)."""

    user_id: uuid.UUID
    recovery_code_hashes: tuple[RecoveryCodeHash, ...] = Field(default=(), max_length=20)
    version: int = Field(ge=1)


class UserMfaDisableRequested(ContractModel):
    """Command: turn MFA off (the ingress checked the password and a current code first)."""

    user_id: uuid.UUID
    requested_at: AwareDatetime


class UserMfaDisabled(ContractModel):
    """Fact: MFA is off; its secret and recovery codes are gone. Ordered by `version`."""

    user_id: uuid.UUID
    version: int = Field(ge=1)


class UserMfaCodeUsed(ContractModel):
    """Fact: a login (or a re-authentication) used a TOTP time step or a recovery code.

    Either may be used once: the ingress refuses a step at or below the last one used and a
    recovery code already spent, by its own record and by this fact's read model.
    """

    user_id: uuid.UUID
    totp_step: int | None = Field(default=None, ge=0)
    recovery_code_hash: RecoveryCodeHash | None = None
    used_at: AwareDatetime


class UserMfaEnableRejected(ContractModel):
    """Fact: an attempt to turn MFA on failed (wrong code, no setup in progress)."""

    user_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=500)


# A `azora.credential_sealing` value: `c1.` then base64url of nonce + ciphertext + tag.
SealedCredentials = Annotated[str, Field(min_length=40, max_length=2000)]


class UserCredentialsSet(ContractModel):
    """State: what a login checks a user's password and TOTP code against, sealed for the
    ingress's read side alone (`azora.credential_sealing`), bound to the user.

    Identity publishes a new value whenever the password hash or the MFA state changes,
    on a compacted topic keyed by user: the newest value per user is what remains.
    `version` is the MFA version of the state (0 before MFA was ever on), so the read model
    keeps the newest one; an erased user's value is empty (`sealed` None)."""

    user_id: uuid.UUID
    version: int = Field(ge=0)
    sealed: SealedCredentials | None


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
    description="Legacy: a visitor asked for an account (hash in clear; read, never written).",
    retention_ms=SECRET_COMMAND_RETENTION_MS,
)
USER_REGISTRATION_REQUESTED_V2 = command(
    "user.registration_requested.v2",
    UserRegistrationRequestedV2,
    key="email",
    description="Previous: a visitor asked for an account (hash sealed; read, never written).",
    retention_ms=SECRET_COMMAND_RETENTION_MS,
)
USER_REGISTRATION_REQUESTED_V3 = command(
    "user.registration_requested.v3",
    UserRegistrationRequestedV3,
    key="email_key",
    description="A visitor asked for an account (email, name and hash sealed for identity).",
    retention_ms=SECRET_COMMAND_RETENTION_MS,
)
USER_REGISTERED = event(
    "user.registered",
    UserRegistered,
    key="user_id",
    description="Legacy: an account was created (carried the hash; read for replays).",
    settles="succeeded",
)
USER_REGISTERED_V2 = event(
    "user.registered.v2",
    UserRegisteredV2,
    key="user_id",
    description="Previous: an account was created (email in clear; read, never written).",
    settles="succeeded",
)
USER_REGISTERED_V3 = event(
    "user.registered.v3",
    UserRegisteredV3,
    key="user_id",
    description="An account was created (its email and name sealed with the user's key).",
    settles="succeeded",
)
USER_REGISTRATION_REJECTED = event(
    "user.registration_rejected",
    UserRegistrationRejected,
    key="user_id",
    description="Legacy: a registration was refused (named the email; read, never written).",
    settles="rejected",
)
USER_REGISTRATION_REJECTED_V2 = event(
    "user.registration_rejected.v2",
    UserRegistrationRejectedV2,
    key="user_id",
    description="A registration was refused, with the reason (no email).",
    settles="rejected",
)
# Compacted: the newest value per user is the state; the ingress's read side keeps it.
USER_CREDENTIALS_SET = event(
    "user.credentials_set",
    UserCredentialsSet,
    key="user_id",
    description="A user's password hash and TOTP secret, sealed for the ingress (state).",
    cleanup_policy="compact",
)
USER_MFA_SETUP_REQUESTED = command(
    "user.mfa_setup_requested",
    UserMfaSetupRequested,
    key="user_id",
    description="A user started MFA setup with a new (encrypted) TOTP secret.",
    tracked=False,
    retention_ms=SECRET_COMMAND_RETENTION_MS,
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
    description="Legacy: MFA was turned on (carried the sealed secret; read for replays).",
    settles="succeeded",
)
USER_MFA_ENABLED_V2 = event(
    "user.mfa_enabled.v2",
    UserMfaEnabledV2,
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
USER_MFA_DISABLE_REQUESTED = command(
    "user.mfa_disable_requested",
    UserMfaDisableRequested,
    key="user_id",
    description="A user, re-authenticated with password and code, asked to turn MFA off.",
)
USER_MFA_DISABLED = event(
    "user.mfa_disabled",
    UserMfaDisabled,
    key="user_id",
    description="MFA was turned off for a user.",
    settles="succeeded",
)
USER_MFA_CODE_USED = event(
    "user.mfa_code_used",
    UserMfaCodeUsed,
    key="user_id",
    description="A TOTP time step or a recovery code was used, and may not be used again.",
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
    USER_REGISTRATION_REQUESTED_V2,
    USER_REGISTRATION_REQUESTED_V3,
    USER_REGISTERED,
    USER_REGISTERED_V2,
    USER_REGISTERED_V3,
    USER_REGISTRATION_REJECTED,
    USER_REGISTRATION_REJECTED_V2,
    USER_CREDENTIALS_SET,
    USER_MFA_SETUP_REQUESTED,
    USER_MFA_ENABLE_REQUESTED,
    USER_MFA_ENABLED,
    USER_MFA_ENABLED_V2,
    USER_MFA_ENABLE_REJECTED,
    USER_MFA_DISABLE_REQUESTED,
    USER_MFA_DISABLED,
    USER_MFA_CODE_USED,
    SESSION_STARTED,
    SESSION_REFRESHED,
    SESSION_REVOKED,
)
