"""Identity's handlers: registration and MFA requests become facts; identity alone keeps the
password hashes, and publishes them only sealed for the ingress's read side."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from pydantic import ValidationError

from azora.consume.errors import PermanentError
from azora.consume.unit_of_work import UnitOfWork
from azora.crypto import SecretBox
from azora.messages import Event
from azora.personal.sections import seal_section
from consumers.identity import sql
from consumers.identity.keys import IdentityKeys
from consumers.identity.publishing import (
    forget_login_secrets,
    keyring_for,
    publish_login_secrets,
)
from consumers.identity.rules import (
    OpenedRegistration,
    Registration,
    first_per_email,
    mfa_outcome,
    registration_outcome,
)
from schemas.account_fields import AccountDetails
from schemas.credentials import (
    UserMfaDisabled,
    UserMfaDisableRequested,
    UserMfaEnableRequested,
    UserMfaSetupRequested,
)
from schemas.erasure import UserErased, UserErasureRequested
from schemas.oidc import UserRegisteredWithProvider
from schemas.registration import (
    UserRegistered,
    UserRegisteredV2,
    UserRegistrationRequested,
    UserRegistrationRequestedV2,
)


def _opened(box: SecretBox, sealed: str, user_id: uuid.UUID, what: str) -> str:
    try:
        return box.open(sealed, bound_to=str(user_id))
    except (InvalidTag, ValueError) as exc:
        # Tampered, sealed for another user, or with another deployment's key: no retry
        # can open it, and an account without its details must not be created.
        raise PermanentError(
            f"the sealed {what} does not open with identity's key for this user"
        ) from exc


def opened_registration(box: SecretBox, request: Registration) -> OpenedRegistration:
    """A registration with its email, name and hash opened (`box`: identity's
    registration key); one an ingress of an earlier release wrote (less sealed) as it is."""
    if isinstance(request, UserRegistrationRequested):
        return request
    if isinstance(request, UserRegistrationRequestedV2):
        email, display_name = request.email, request.display_name
    else:
        clear = _opened(box, request.sealed_details, request.user_id, "account details")
        try:
            details = AccountDetails.model_validate_json(clear)
        except ValidationError as exc:
            # The cause names no value: the dead letter must not carry the email in clear.
            raise PermanentError(
                f"the sealed account details are not valid ({exc.error_count()} errors)"
            ) from exc
        email, display_name = details.email, details.display_name
    return UserRegistrationRequested(
        user_id=request.user_id,
        email=email,
        display_name=display_name,
        password_hash=_opened(box, request.sealed_password_hash, request.user_id, "password hash"),
    )


async def on_registration_requested(
    keys: IdentityKeys, events: Sequence[Event[Registration]], uow: UnitOfWork
) -> None:
    """Create an account per new email, with its personal-data key, and keep its password
    hash; reject the rest. Nothing identity publishes names the email in clear."""
    requests = [opened_registration(keys.registrations, e.payload) for e in events]
    first = first_per_email(requests)
    winners = [requests[i] for i in first]
    rows = await uow.conn.fetch(
        sql.CREATE_ACCOUNTS,
        [r.user_id for r in winners],
        [r.email for r in winners],
        [r.display_name for r in winners],
        [events[i].envelope.occurred_at for i in first],
    )
    created = {row["user_id"] for row in rows}
    if created:
        hashes = {r.user_id: r.password_hash for r in winners}
        await uow.conn.execute(
            sql.STORE_PASSWORD_HASHES, list(created), [hashes[user_id] for user_id in created]
        )
    # The new accounts' keys are made here, before their facts are sealed and published.
    ring = await keyring_for(keys.vault, created)
    for event, request in zip(events, requests, strict=True):
        details = AccountDetails(email=request.email, display_name=request.display_name)
        sealed = (
            seal_section(ring, request.user_id, details) if request.user_id in created else None
        )
        uow.emit(registration_outcome(request, sealed, event.envelope.occurred_at), cause=event)
    causes = {e.payload.user_id: e for e in events if e.payload.user_id in created}
    await publish_login_secrets(uow, keys.totp, keys.credentials, causes)


async def on_legacy_registered(
    keys: IdentityKeys, events: Sequence[Event[UserRegistered]], uow: UnitOfWork
) -> None:
    """Import the accounts and hashes of `user.registered` (legacy, hash in clear), so the
    users registered before hashes left the log still sign in; and publish their login
    secrets for the ingress."""
    users = [event.payload for event in events]
    await uow.conn.execute(
        sql.IMPORT_LEGACY_ACCOUNTS,
        [u.user_id for u in users],
        [u.email for u in users],
        [u.display_name for u in users],
        [u.registered_at for u in users],
        [u.password_hash for u in users],
    )
    causes = {event.payload.user_id: event for event in events}
    await publish_login_secrets(uow, keys.totp, keys.credentials, causes)


async def on_registered_before(
    keys: IdentityKeys,
    events: Sequence[Event[UserRegisteredV2 | UserRegisteredWithProvider]],
    uow: UnitOfWork,
) -> None:
    """Publish the login secrets of accounts created before identity published them (it
    has written these topics no more since): the ingress's read side learns them once."""
    causes = {event.payload.user_id: event for event in events}
    await publish_login_secrets(uow, keys.totp, keys.credentials, causes)


async def on_mfa_setup_requested(
    events: Sequence[Event[UserMfaSetupRequested]], uow: UnitOfWork
) -> None:
    """Remember each user's latest pending TOTP secret (still sealed)."""
    latest = {e.payload.user_id: e.payload.secret_ciphertext for e in events}
    await uow.conn.execute(sql.SET_PENDING_SECRETS, list(latest), list(latest.values()))


async def on_mfa_enable_requested(
    keys: IdentityKeys, events: Sequence[Event[UserMfaEnableRequested]], uow: UnitOfWork
) -> None:
    """Turn MFA on where the code matches the pending secret; publish the new secret,
    sealed for the ingress."""
    secrets = keys.totp
    rows = await uow.conn.fetch(sql.PENDING_SECRETS, [e.payload.user_id for e in events])
    pending: dict[uuid.UUID, str | None] = {row["user_id"]: row["pending_secret"] for row in rows}
    active = {row["user_id"] for row in rows if row["active"]}
    versions = {row["user_id"]: row["version"] for row in rows}
    activated: dict[uuid.UUID, tuple[str, int]] = {}
    for event in events:
        user_id = event.payload.user_id
        ciphertext = pending.get(user_id)
        version = versions.get(user_id, 0) + 1
        decision = mfa_outcome(
            event.payload,
            ciphertext,
            secrets.open(ciphertext) if ciphertext else None,
            active=user_id in active,
            version=version,
        )
        if decision.activate is not None:
            activated[user_id] = (decision.activate, version)
            pending[user_id] = None
            active.add(user_id)
            versions[user_id] = version
        uow.emit(decision.outcome, cause=event)
    if activated:
        await uow.conn.execute(
            sql.ACTIVATE,
            list(activated),
            [secret for secret, _ in activated.values()],
            [version for _, version in activated.values()],
        )
    causes = {e.payload.user_id: e for e in events if e.payload.user_id in activated}
    await publish_login_secrets(uow, keys.totp, keys.credentials, causes)


async def on_mfa_disable_requested(
    keys: IdentityKeys, events: Sequence[Event[UserMfaDisableRequested]], uow: UnitOfWork
) -> None:
    """Turn MFA off (the ingress re-authenticated the user with password and code), and
    publish the login secrets without it."""
    # Several requests of one user in a batch raise the version once each.
    counts: dict[uuid.UUID, int] = {}
    for event in events:
        counts[event.payload.user_id] = counts.get(event.payload.user_id, 0) + 1
    rows = await uow.conn.fetch(sql.DEACTIVATE, list(counts), list(counts.values()))
    versions = {row["user_id"]: row["version"] for row in rows}
    for event in events:
        user_id = event.payload.user_id
        uow.emit(UserMfaDisabled(user_id=user_id, version=versions[user_id]), cause=event)
    causes = {event.payload.user_id: event for event in events}
    await publish_login_secrets(uow, keys.totp, keys.credentials, causes)


async def on_erasure_requested(
    keys: IdentityKeys, events: Sequence[Event[UserErasureRequested]], uow: UnitOfWork
) -> None:
    """Forget each user: their credentials, MFA, provider links and account, in one
    transaction, and every version of their personal-data key; then say so (`user.erased`).

    The keys are destroyed first, in the vault: if the transaction then fails, the retry
    destroys nothing more and `user.erased` is still published only once it commits.
    """
    user_ids = list({event.payload.user_id for event in events})
    for user_id in user_ids:
        await keys.vault.destroy(user_id)
    await uow.conn.execute(sql.ERASE_ACCOUNTS, user_ids)
    for event in events:
        erased = UserErased(user_id=event.payload.user_id, erased_at=event.envelope.occurred_at)
        uow.emit(erased, cause=event)
    # And the ingress's read side drops their sealed login secrets.
    forget_login_secrets(uow, {event.payload.user_id: event for event in events})
