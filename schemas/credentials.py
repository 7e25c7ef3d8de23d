"""Login credentials: the sealed state a login checks (`user.credentials_set`) and
multi-factor authentication, from setup to each code used."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

from schemas.account_fields import SECRET_COMMAND_RETENTION_MS
from schemas.base import ContractModel
from schemas.topic import TopicSpec, command, event


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


# The topics these models travel on, in the order the catalogue lists them.

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

TOPICS: tuple[TopicSpec, ...] = (
    USER_CREDENTIALS_SET,
    USER_MFA_SETUP_REQUESTED,
    USER_MFA_ENABLE_REQUESTED,
    USER_MFA_ENABLED,
    USER_MFA_ENABLED_V2,
    USER_MFA_ENABLE_REJECTED,
    USER_MFA_DISABLE_REQUESTED,
    USER_MFA_DISABLED,
    USER_MFA_CODE_USED,
)
