"""Identity's rules for provider sign-ins, as pure functions over what identity knows.

The policy, decided for security (docs/security.md says why):
- a provider identity already linked signs in its account;
- a new identity gets a new account only for an email the provider verified and nobody
  holds here;
- an email an account already holds is never linked by a sign-in (whoever controls a
  provider account with that address would take the account over): the owner signs in
  with their password and links the provider from there (`link_to`), which the ingress
  allows only after re-authenticating them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from schemas.oidc import (
    RejectionKind,
    UserOidcSignInAccepted,
    UserOidcSignInRejected,
    UserOidcSignInRequested,
    UserRegisteredWithProvider,
)

Identity = tuple[str, str]  # (issuer, subject)


def identity_of(request: UserOidcSignInRequested) -> Identity:
    """The provider identity a request speaks for."""
    return (request.issuer, request.subject)


def reason_for(kind: RejectionKind, provider: str) -> str:
    """What a refused sign-in tells the person, and what they can do about it."""
    return {
        "account_exists": (
            f"an account with this email already exists: sign in with your password, then "
            f"link {provider} from your account"
        ),
        "email_unverified": (
            f"{provider} has not verified this email address: verify it there, or register "
            "with a password"
        ),
        "identity_linked_elsewhere": (
            f"this {provider} account already signs in another Azora account"
        ),
        "unknown_account": "the account to link to does not exist",
    }[kind]


@dataclass
class SignInState:
    """What the decisions of one batch read and change, in order."""

    linked: dict[Identity, uuid.UUID]
    accounts: set[uuid.UUID]
    taken_emails: set[str]
    new_accounts: list[UserRegisteredWithProvider] = field(default_factory=list)
    # identity -> (user_id, provider, linked_at)
    new_links: dict[Identity, tuple[uuid.UUID, str, datetime]] = field(default_factory=dict)


Outcome = UserOidcSignInAccepted | UserOidcSignInRejected


def decide(
    request: UserOidcSignInRequested, state: SignInState, at: datetime
) -> list[Outcome | UserRegisteredWithProvider]:
    """The facts that settle one request; `state` learns the links and accounts it makes."""
    identity = identity_of(request)
    owner = state.linked.get(identity)

    def accepted(user_id: uuid.UUID, *, created: bool = False, linked: bool = False) -> Outcome:
        if linked:
            state.linked[identity] = user_id
            state.new_links[identity] = (user_id, request.provider, at)
        return UserOidcSignInAccepted(
            user_id=user_id,
            provider=request.provider,
            issuer=request.issuer,
            subject=request.subject,
            account_created=created,
            link_created=linked,
            accepted_at=at,
        )

    def rejected(kind: RejectionKind) -> Outcome:
        return UserOidcSignInRejected(
            user_id=request.link_to or request.user_id,
            provider=request.provider,
            kind=kind,
            reason=reason_for(kind, request.provider),
        )

    if request.link_to is not None:
        if owner is not None:
            same = owner == request.link_to
            return [accepted(owner) if same else rejected("identity_linked_elsewhere")]
        if request.link_to not in state.accounts:
            return [rejected("unknown_account")]
        return [accepted(request.link_to, linked=True)]
    if owner is not None:
        return [accepted(owner)]
    if not request.email_verified:
        return [rejected("email_unverified")]
    if request.email in state.taken_emails:
        return [rejected("account_exists")]
    registered = UserRegisteredWithProvider(
        user_id=request.user_id,
        email=request.email,
        display_name=request.display_name,
        provider=request.provider,
        registered_at=at,
    )
    state.accounts.add(request.user_id)
    state.taken_emails.add(request.email)
    state.new_accounts.append(registered)
    return [registered, accepted(request.user_id, created=True, linked=True)]
