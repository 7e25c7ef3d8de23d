"""Identity's decisions on provider sign-ins, as pure functions over what it knows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from consumers.identity.provider_rules import SignInState, decide
from schemas.oidc import (
    UserOidcSignInAccepted,
    UserOidcSignInRejected,
    UserOidcSignInRequested,
    UserRegisteredWithProvider,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ISSUER = "https://accounts.example.org"


def request(
    subject: str = "sub-1",
    email: str = "ada@example.org",
    *,
    verified: bool = True,
    link_to: uuid.UUID | None = None,
) -> UserOidcSignInRequested:
    return UserOidcSignInRequested(
        user_id=uuid.uuid4(),
        provider="google",
        issuer=ISSUER,
        subject=subject,
        email=email,
        email_verified=verified,
        display_name="Ada",
        link_to=link_to,
        requested_at=NOW,
    )


def state(
    linked: dict[tuple[str, str], uuid.UUID] | None = None,
    accounts: set[uuid.UUID] | None = None,
    emails: set[str] | None = None,
) -> SignInState:
    return SignInState(
        linked=linked or {}, accounts=accounts or set(), taken_emails=emails or set()
    )


def test_a_new_identity_with_a_verified_free_email_gets_an_account_and_a_link() -> None:
    asked = request()
    known = state()

    registered, accepted = decide(asked, known, NOW)

    assert isinstance(registered, UserRegisteredWithProvider)
    assert registered.user_id == asked.user_id
    assert isinstance(accepted, UserOidcSignInAccepted)
    assert (accepted.account_created, accepted.link_created) == (True, True)
    assert known.new_links == {(ISSUER, "sub-1"): (asked.user_id, "google", NOW)}


def test_a_linked_identity_signs_in_its_account_whatever_email_it_now_has() -> None:
    owner = uuid.uuid4()

    (accepted,) = decide(
        request(email="changed@example.org", verified=False),
        state(linked={(ISSUER, "sub-1"): owner}),
        NOW,
    )

    assert isinstance(accepted, UserOidcSignInAccepted)
    assert accepted.user_id == owner
    assert not accepted.account_created


def test_an_email_a_password_account_holds_is_never_linked_by_a_sign_in() -> None:
    (refused,) = decide(request(), state(emails={"ada@example.org"}), NOW)

    assert isinstance(refused, UserOidcSignInRejected)
    assert refused.kind == "account_exists"
    assert "sign in with your password, then link google" in refused.reason


def test_an_email_the_provider_has_not_verified_gets_no_account() -> None:
    (refused,) = decide(request(verified=False), state(), NOW)

    assert isinstance(refused, UserOidcSignInRejected)
    assert refused.kind == "email_unverified"


def test_a_reauthenticated_owner_links_a_new_identity_to_their_account() -> None:
    owner = uuid.uuid4()
    known = state(accounts={owner}, emails={"ada@example.org"})

    (accepted,) = decide(request(link_to=owner), known, NOW)

    assert isinstance(accepted, UserOidcSignInAccepted)
    assert (accepted.user_id, accepted.link_created) == (owner, True)


def test_an_identity_that_signs_in_another_account_is_not_linked_again() -> None:
    owner, other = uuid.uuid4(), uuid.uuid4()

    (refused,) = decide(
        request(link_to=owner), state(linked={(ISSUER, "sub-1"): other}, accounts={owner}), NOW
    )

    assert isinstance(refused, UserOidcSignInRejected)
    assert refused.kind == "identity_linked_elsewhere"
    assert refused.user_id == owner


def test_a_link_to_an_account_that_does_not_exist_is_refused() -> None:
    (refused,) = decide(request(link_to=uuid.uuid4()), state(), NOW)

    assert isinstance(refused, UserOidcSignInRejected)
    assert refused.kind == "unknown_account"


def test_two_first_sign_ins_of_one_identity_in_a_batch_make_one_account() -> None:
    known = state()
    first, second = request(), request()

    decide(first, known, NOW)
    (again,) = decide(second, known, NOW)

    assert isinstance(again, UserOidcSignInAccepted)
    assert again.user_id == first.user_id
    assert [a.user_id for a in known.new_accounts] == [first.user_id]


def test_of_two_new_identities_with_one_email_in_a_batch_the_first_gets_it() -> None:
    known = state()

    decide(request("sub-1"), known, NOW)
    (refused,) = decide(request("sub-2"), known, NOW)

    assert isinstance(refused, UserOidcSignInRejected)
    assert refused.kind == "account_exists"
