"""A provider sign-in's claims travel sealed for identity, and identity's facts carry the
subject, email and name sealed with the user's key."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from azora.consume.errors import PermanentError
from azora.crypto import REGISTRATION, SecretBox
from azora.personal.sections import open_section
from consumers.identity.sign_in import opened_request, sealed_fact
from schemas.account_fields import AccountDetails
from schemas.oidc import (
    ProviderClaims,
    ProviderSubject,
    UserOidcSignInAccepted,
    UserOidcSignInAcceptedV2,
    UserOidcSignInRequestedV2,
    UserRegisteredWithProvider,
    UserRegisteredWithProviderV2,
)
from tests.support.key_store import memory_vault
from tests.support.secrets import random_secret_key

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
IDENTITY = SecretBox(random_secret_key()).for_purpose(REGISTRATION)
ISSUER = "https://id.example.org"
CLAIMS = ProviderClaims(subject="sub-248289761001", email="ada@example.org", display_name="Ada")


def request(sealed_for: uuid.UUID, user_id: uuid.UUID) -> UserOidcSignInRequestedV2:
    return UserOidcSignInRequestedV2(
        user_id=user_id,
        provider="mock",
        issuer=ISSUER,
        identity_key=IDENTITY.digest(f"{ISSUER}\n{CLAIMS.subject}"),
        sealed_claims=IDENTITY.seal(CLAIMS.model_dump_json(), bound_to=str(sealed_for)),
        email_verified=True,
        requested_at=NOW,
    )


def test_identity_opens_the_claims_sealed_for_the_request() -> None:
    user = uuid.uuid4()
    opened = opened_request(IDENTITY, request(sealed_for=user, user_id=user))
    assert (opened.subject, opened.email, opened.display_name) == (
        CLAIMS.subject,
        CLAIMS.email,
        CLAIMS.display_name,
    )
    assert opened.issuer == ISSUER
    assert opened.email_verified


def test_claims_sealed_for_another_request_are_refused_for_good() -> None:
    with pytest.raises(PermanentError, match="do not open"):
        opened_request(IDENTITY, request(sealed_for=uuid.uuid4(), user_id=uuid.uuid4()))


async def test_the_facts_identity_publishes_seal_the_subject_email_and_name() -> None:
    vault = memory_vault()
    user = uuid.uuid4()
    await vault.create_key(user)
    ring = await vault.keyring([user])
    accepted = UserOidcSignInAccepted(
        user_id=user,
        provider="mock",
        issuer=ISSUER,
        subject=CLAIMS.subject,
        account_created=True,
        link_created=True,
        accepted_at=NOW,
    )
    registered = UserRegisteredWithProvider(
        user_id=user,
        email=CLAIMS.email,
        display_name=CLAIMS.display_name,
        provider="mock",
        registered_at=NOW,
    )

    sealed_accepted = sealed_fact(ring, accepted)
    sealed_registered = sealed_fact(ring, registered)

    assert isinstance(sealed_accepted, UserOidcSignInAcceptedV2)
    assert isinstance(sealed_registered, UserRegisteredWithProviderV2)
    for fact in (sealed_accepted, sealed_registered):
        published = fact.model_dump_json()
        for clear in (CLAIMS.subject, CLAIMS.email, CLAIMS.display_name):
            assert clear not in published
    subject = open_section(ring, user, sealed_accepted.personal, ProviderSubject)
    assert subject == ProviderSubject(subject=CLAIMS.subject)
    details = open_section(ring, user, sealed_registered.personal, AccountDetails)
    assert details == AccountDetails(email=CLAIMS.email, display_name=CLAIMS.display_name)
    assert (sealed_accepted.account_created, sealed_accepted.link_created) == (True, True)
