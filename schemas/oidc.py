"""Signing in with an OpenID Connect provider: the command identity decides, and its facts.

The ingress verifies the provider's ID token (signature, issuer, audience, expiry, nonce)
and asks identity to sign the person in (`user.oidc_sign_in_requested`). Identity answers
with the account the provider identity belongs to, creating one for a new verified email
(`user.registered_with_provider`), or refuses with the reason. No token, secret or raw
provider payload travels: only the claims identity needs.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from schemas.account_fields import (
    SECRET_COMMAND_RETENTION_MS,
    DisplayName,
    Email,
    Role,
    RoutingKey,
    SealedForIdentity,
)
from schemas.base import ContractModel, Extensible
from schemas.sealed import SealedPersonal
from schemas.topic import TopicSpec, command, event

# How deployments name their providers in settings and URLs (`google`, `company-sso`).
ProviderName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]
# The provider's issuer URL and its stable identifier of the person (`sub`: at most 255
# ASCII characters, says OpenID Connect Core).
Issuer = Annotated[str, Field(min_length=1, max_length=500)]
Subject = Annotated[str, Field(min_length=1, max_length=255)]
RejectionKind = Annotated[
    Literal["account_exists", "email_unverified", "identity_linked_elsewhere", "unknown_account"],
    *Extensible,
]


class UserOidcSignInRequested(ContractModel):
    """Legacy command (`user.oidc_sign_in_requested`): the claims in clear, kept a month.

    Superseded by `UserOidcSignInRequestedV2`; identity still reads it.

    Command: sign in the person the provider vouched for, or link them to `link_to`.

    Without `link_to` a known provider identity signs in its account, and a new one gets an
    account (id `user_id`) when its email is verified and nobody holds it. With `link_to`,
    the ingress has re-authenticated that user, and the identity joins their account.
    """

    user_id: uuid.UUID
    provider: ProviderName
    issuer: Issuer
    subject: Subject
    email: Email
    email_verified: bool
    display_name: DisplayName
    link_to: uuid.UUID | None = None
    requested_at: AwareDatetime


class ProviderClaims(ContractModel):
    """The personal claims of a provider sign-in, sealed for identity alone in the command
    (`azora.crypto.REGISTRATION`, bound to the request's user id)."""

    subject: Subject
    email: Email
    display_name: DisplayName


class UserOidcSignInRequestedV2(ContractModel):
    """Command: sign in the person the provider vouched for, or link them to `link_to`
    (as `UserOidcSignInRequested`), with the subject, email and name sealed for identity
    (`ProviderClaims`) on a topic kept a day. Keyed by a keyed digest of issuer and
    subject: two first sign-ins of one person still meet in one partition."""

    user_id: uuid.UUID
    provider: ProviderName
    issuer: Issuer
    identity_key: RoutingKey
    sealed_claims: SealedForIdentity
    email_verified: bool
    link_to: uuid.UUID | None = None
    requested_at: AwareDatetime


class ProviderSubject(ContractModel):
    """The personal section of an accepted sign-in: who the person is at the provider."""

    subject: Subject


class UserOidcSignInAccepted(ContractModel):
    """Legacy fact (`user.oidc_sign_in_accepted`): named the subject in clear; read, never
    written. Superseded by `UserOidcSignInAcceptedV2`.

    Fact: the provider identity belongs to `user_id` (created or linked just now, or
    before); the ingress may open a session for that user."""

    user_id: uuid.UUID
    provider: ProviderName
    issuer: Issuer
    subject: Subject
    account_created: bool = False
    link_created: bool = False
    accepted_at: AwareDatetime


class UserOidcSignInAcceptedV2(ContractModel):
    """Fact: the provider identity (issuer, and the subject sealed with the user's key as a
    `ProviderSubject` section) belongs to `user_id`; the ingress may open a session."""

    user_id: uuid.UUID
    provider: ProviderName
    issuer: Issuer
    account_created: bool = False
    link_created: bool = False
    accepted_at: AwareDatetime
    personal: SealedPersonal


class UserOidcSignInRejected(ContractModel):
    """Fact: identity refused the sign-in or the link, with the reason (`kind` for code)."""

    user_id: uuid.UUID
    provider: ProviderName
    kind: RejectionKind
    reason: str = Field(min_length=1, max_length=500)


class UserRegisteredWithProvider(ContractModel):
    """Legacy fact (`user.registered_with_provider`): the email and name in clear; read,
    never written. Superseded by `UserRegisteredWithProviderV2`."""

    user_id: uuid.UUID
    email: Email
    display_name: DisplayName
    provider: ProviderName
    roles: tuple[Role, ...] = ("student",)
    registered_at: AwareDatetime


class UserRegisteredWithProviderV2(ContractModel):
    """Fact: an account exists that signs in through a provider and has no password; its
    email and name are an `AccountDetails` section sealed with the user's key."""

    user_id: uuid.UUID
    provider: ProviderName
    roles: tuple[Role, ...] = ("student",)
    registered_at: AwareDatetime
    personal: SealedPersonal


# Keyed by the provider's subject: two first sign-ins of one person meet in one partition,
# so identity links them to one account.
USER_OIDC_SIGN_IN_REQUESTED = command(
    "user.oidc_sign_in_requested",
    UserOidcSignInRequested,
    key="subject",
    description="Legacy: a provider vouched for a person (claims in clear; read, never written).",
)
USER_OIDC_SIGN_IN_REQUESTED_V2 = command(
    "user.oidc_sign_in_requested.v2",
    UserOidcSignInRequestedV2,
    key="identity_key",
    description="A provider vouched for a person (claims sealed for identity); sign in or link.",
    retention_ms=SECRET_COMMAND_RETENTION_MS,
)
USER_OIDC_SIGN_IN_ACCEPTED = event(
    "user.oidc_sign_in_accepted",
    UserOidcSignInAccepted,
    key="user_id",
    description="Legacy: a provider identity signs in this account (subject in clear).",
    settles="succeeded",
)
USER_OIDC_SIGN_IN_ACCEPTED_V2 = event(
    "user.oidc_sign_in_accepted.v2",
    UserOidcSignInAcceptedV2,
    key="user_id",
    description="A provider identity signs in this account (subject sealed with its key).",
    settles="succeeded",
)
USER_OIDC_SIGN_IN_REJECTED = event(
    "user.oidc_sign_in_rejected",
    UserOidcSignInRejected,
    key="user_id",
    description="A provider sign-in or link was refused, with the reason.",
    settles="rejected",
)
USER_REGISTERED_WITH_PROVIDER = event(
    "user.registered_with_provider",
    UserRegisteredWithProvider,
    key="user_id",
    description="Legacy: an account was created by a provider sign-in (email in clear).",
)
USER_REGISTERED_WITH_PROVIDER_V2 = event(
    "user.registered_with_provider.v2",
    UserRegisteredWithProviderV2,
    key="user_id",
    description="An account was created by a first sign-in with a provider (no password).",
)

TOPICS: tuple[TopicSpec, ...] = (
    USER_OIDC_SIGN_IN_REQUESTED,
    USER_OIDC_SIGN_IN_REQUESTED_V2,
    USER_OIDC_SIGN_IN_ACCEPTED,
    USER_OIDC_SIGN_IN_ACCEPTED_V2,
    USER_OIDC_SIGN_IN_REJECTED,
    USER_REGISTERED_WITH_PROVIDER,
    USER_REGISTERED_WITH_PROVIDER_V2,
)
