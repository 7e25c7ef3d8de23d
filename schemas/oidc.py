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

from schemas.accounts import DisplayName, Email, Role
from schemas.base import ContractModel, Extensible
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
    """Command: sign in the person the provider vouched for, or link them to `link_to`.

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


class UserOidcSignInAccepted(ContractModel):
    """Fact: the provider identity belongs to `user_id` (created or linked just now, or
    before); the ingress may open a session for that user."""

    user_id: uuid.UUID
    provider: ProviderName
    issuer: Issuer
    subject: Subject
    account_created: bool = False
    link_created: bool = False
    accepted_at: AwareDatetime


class UserOidcSignInRejected(ContractModel):
    """Fact: identity refused the sign-in or the link, with the reason (`kind` for code)."""

    user_id: uuid.UUID
    provider: ProviderName
    kind: RejectionKind
    reason: str = Field(min_length=1, max_length=500)


class UserRegisteredWithProvider(ContractModel):
    """Fact: an account exists that signs in through a provider and has no password."""

    user_id: uuid.UUID
    email: Email
    display_name: DisplayName
    provider: ProviderName
    roles: tuple[Role, ...] = ("student",)
    registered_at: AwareDatetime


# Keyed by the provider's subject: two first sign-ins of one person meet in one partition,
# so identity links them to one account.
USER_OIDC_SIGN_IN_REQUESTED = command(
    "user.oidc_sign_in_requested",
    UserOidcSignInRequested,
    key="subject",
    description="A provider vouched for a person (ID token verified); sign them in or link.",
)
USER_OIDC_SIGN_IN_ACCEPTED = event(
    "user.oidc_sign_in_accepted",
    UserOidcSignInAccepted,
    key="user_id",
    description="A provider identity signs in this account.",
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
    description="An account was created by a first sign-in with a provider (no password).",
)

TOPICS: tuple[TopicSpec, ...] = (
    USER_OIDC_SIGN_IN_REQUESTED,
    USER_OIDC_SIGN_IN_ACCEPTED,
    USER_OIDC_SIGN_IN_REJECTED,
    USER_REGISTERED_WITH_PROVIDER,
)
