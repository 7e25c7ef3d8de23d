"""Registration: the commands that ask for an account and the facts that answer them,
every version still read (each older one superseded by the next, kept for replays)."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AwareDatetime, Field

from schemas.account_fields import (
    SECRET_COMMAND_RETENTION_MS,
    DisplayName,
    Email,
    Role,
    RoutingKey,
    SealedForIdentity,
)
from schemas.base import ContractModel
from schemas.sealed import SealedPersonal
from schemas.topic import TopicSpec, command, event


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

TOPICS: tuple[TopicSpec, ...] = (
    USER_REGISTRATION_REQUESTED,
    USER_REGISTRATION_REQUESTED_V2,
    USER_REGISTRATION_REQUESTED_V3,
    USER_REGISTERED,
    USER_REGISTERED_V2,
    USER_REGISTERED_V3,
    USER_REGISTRATION_REJECTED,
    USER_REGISTRATION_REJECTED_V2,
)
