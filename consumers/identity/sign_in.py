"""Identity's handler for provider sign-ins: link, create or refuse, in request order.

The rules (`provider_rules`) decide over the claims in clear, in memory; what identity
publishes carries them sealed with the user's personal-data key.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from pydantic import ValidationError

from azora.consume.errors import PermanentError, TransientError
from azora.consume.unit_of_work import UnitOfWork
from azora.crypto import SecretBox
from azora.messages import Event
from azora.personal.sections import seal_section
from azora.personal.vault import KeyRing
from consumers.identity import sql
from consumers.identity.keys import IdentityKeys
from consumers.identity.provider_rules import Outcome, SignInState, decide, identity_of
from consumers.identity.publishing import keyring_for, publish_login_secrets
from schemas.account_fields import AccountDetails
from schemas.oidc import (
    ProviderClaims,
    ProviderSubject,
    UserOidcSignInAccepted,
    UserOidcSignInAcceptedV2,
    UserOidcSignInRejected,
    UserOidcSignInRequested,
    UserOidcSignInRequestedV2,
    UserRegisteredWithProvider,
    UserRegisteredWithProviderV2,
)

SignInRequest = UserOidcSignInRequested | UserOidcSignInRequestedV2


def opened_request(box: SecretBox, request: SignInRequest) -> UserOidcSignInRequested:
    """A sign-in request with its claims opened (`box`: identity's registration key); one
    an ingress of an earlier release wrote (claims in clear) as it is."""
    if isinstance(request, UserOidcSignInRequested):
        return request
    try:
        claims = ProviderClaims.model_validate_json(
            box.open(request.sealed_claims, bound_to=str(request.user_id))
        )
    except (InvalidTag, ValueError) as exc:
        # Tampered, sealed for another request, or not claims at all (a ValidationError is
        # a ValueError): the cause names no value, so the dead letter holds none in clear.
        kind = "invalid" if isinstance(exc, ValidationError) else "do not open"
        raise PermanentError(f"the sealed provider claims {kind} for this request") from exc
    return UserOidcSignInRequested(
        user_id=request.user_id,
        provider=request.provider,
        issuer=request.issuer,
        subject=claims.subject,
        email=claims.email,
        email_verified=request.email_verified,
        display_name=claims.display_name,
        link_to=request.link_to,
        requested_at=request.requested_at,
    )


def sealed_fact(
    ring: KeyRing, fact: Outcome | UserRegisteredWithProvider
) -> UserOidcSignInAcceptedV2 | UserOidcSignInRejected | UserRegisteredWithProviderV2:
    """A decision as identity publishes it: its personal fields sealed with the user's key."""
    if isinstance(fact, UserRegisteredWithProvider):
        details = AccountDetails(email=fact.email, display_name=fact.display_name)
        return UserRegisteredWithProviderV2(
            user_id=fact.user_id,
            provider=fact.provider,
            roles=fact.roles,
            registered_at=fact.registered_at,
            personal=seal_section(ring, fact.user_id, details),
        )
    if isinstance(fact, UserOidcSignInAccepted):
        return UserOidcSignInAcceptedV2(
            user_id=fact.user_id,
            provider=fact.provider,
            issuer=fact.issuer,
            account_created=fact.account_created,
            link_created=fact.link_created,
            accepted_at=fact.accepted_at,
            personal=seal_section(ring, fact.user_id, ProviderSubject(subject=fact.subject)),
        )
    return fact


async def on_sign_in_requested(
    keys: IdentityKeys, events: Sequence[Event[SignInRequest]], uow: UnitOfWork
) -> None:
    """Settle each request with the account its provider identity signs in, or a refusal."""
    requests = [opened_request(keys.registrations, event.payload) for event in events]
    state = await _known(uow, requests)
    outcomes = [
        decide(request, state, event.envelope.occurred_at)
        for event, request in zip(events, requests, strict=True)
    ]
    created = state.new_accounts
    if created:
        rows = await uow.conn.fetch(
            sql.CREATE_ACCOUNTS,
            [a.user_id for a in created],
            [a.email for a in created],
            [a.display_name for a in created],
            [a.registered_at for a in created],
        )
        if len(rows) < len(created):
            # A registration in another partition took one of these emails after it was
            # read: retried, the batch sees the account and refuses that sign-in instead.
            raise TransientError("an email was taken while the batch was decided")
    if state.new_links:
        links = list(state.new_links.items())
        await uow.conn.execute(
            sql.LINK_IDENTITIES,
            [issuer for (issuer, _), _ in links],
            [subject for (_, subject), _ in links],
            [user_id for _, (user_id, _, _) in links],
            [provider for _, (_, provider, _) in links],
            [at for _, (_, _, at) in links],
        )
    named = {f.user_id for facts in outcomes for f in facts if _names_a_user(f)}
    ring = await keyring_for(keys.vault, named)
    for event, facts in zip(events, outcomes, strict=True):
        for fact in facts:
            uow.emit(sealed_fact(ring, fact), cause=event)
    # A new account has no password: its (empty) login secrets tell the ingress's read side
    # so, as every account's do.
    new_accounts = {
        fact.user_id: event
        for event, facts in zip(events, outcomes, strict=True)
        for fact in facts
        if isinstance(fact, UserRegisteredWithProvider)
    }
    await publish_login_secrets(uow, keys.totp, keys.credentials, new_accounts)


def _names_a_user(fact: Outcome | UserRegisteredWithProvider) -> bool:
    """Whether a fact carries a person's details (to seal with their key)."""
    return isinstance(fact, UserRegisteredWithProvider | UserOidcSignInAccepted)


async def _known(uow: UnitOfWork, requests: list[UserOidcSignInRequested]) -> SignInState:
    identities = list({identity_of(r) for r in requests})
    linked = await uow.conn.fetch(
        sql.LINKED_IDENTITIES, [i for i, _ in identities], [s for _, s in identities]
    )
    targets = list({r.link_to for r in requests if r.link_to is not None})
    accounts = await uow.conn.fetch(sql.EXISTING_ACCOUNTS, targets) if targets else []
    emails = await uow.conn.fetch(sql.TAKEN_EMAILS, list({r.email for r in requests}))
    return SignInState(
        linked={(row["issuer"], row["subject"]): row["user_id"] for row in linked},
        accounts={row["user_id"] for row in accounts},
        taken_emails={row["email"] for row in emails},
    )
