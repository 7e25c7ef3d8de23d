"""Identity's handlers: registration and MFA requests become facts; identity alone keeps the
password hashes."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from cryptography.exceptions import InvalidTag

from azora.consume.errors import PermanentError
from azora.consume.unit_of_work import UnitOfWork
from azora.crypto import SecretBox
from azora.messages import Event
from azora.personal.vault import Vault
from consumers.identity import sql
from consumers.identity.rules import (
    Registration,
    first_per_email,
    mfa_outcome,
    registration_outcome,
)
from schemas.accounts import (
    UserMfaDisabled,
    UserMfaDisableRequested,
    UserMfaEnableRequested,
    UserMfaSetupRequested,
    UserRegistered,
    UserRegistrationRequested,
)
from schemas.erasure import UserErased, UserErasureRequested


def password_hash(registrations: SecretBox, request: Registration) -> str:
    """The hash a registration carries: opened for a current command, as it is for one an
    ingress of the previous release wrote (`user.registration_requested`, in clear)."""
    if isinstance(request, UserRegistrationRequested):
        return request.password_hash
    try:
        return registrations.open(request.sealed_password_hash, bound_to=str(request.user_id))
    except (InvalidTag, ValueError) as exc:
        # Tampered, sealed for another user, or with another deployment's key: no retry
        # can open it, and an account without its password must not be created.
        raise PermanentError(
            "the sealed password hash does not open with identity's key for this user"
        ) from exc


async def on_registration_requested(
    registrations: SecretBox,
    vault: Vault,
    events: Sequence[Event[Registration]],
    uow: UnitOfWork,
) -> None:
    """Create an account per new email, with its personal-data key, and keep its password
    hash; reject the rest."""
    hashes = {e.payload.user_id: password_hash(registrations, e.payload) for e in events}
    requests = [event.payload for event in events]
    winners = [events[i] for i in first_per_email(requests)]
    rows = await uow.conn.fetch(
        sql.CREATE_ACCOUNTS,
        [e.payload.user_id for e in winners],
        [e.payload.email for e in winners],
        [e.payload.display_name for e in winners],
        [e.envelope.occurred_at for e in winners],
    )
    created = {row["user_id"] for row in rows}
    await create_keys(vault, created)
    if created:
        await uow.conn.execute(
            sql.STORE_PASSWORD_HASHES, list(created), [hashes[user_id] for user_id in created]
        )
    for event in events:
        outcome = registration_outcome(
            event.payload, event.payload.user_id in created, event.envelope.occurred_at
        )
        uow.emit(outcome, cause=event)


async def on_legacy_registered(events: Sequence[Event[UserRegistered]], uow: UnitOfWork) -> None:
    """Import the accounts and hashes of `user.registered` (legacy, hash in clear), so the
    users registered before hashes left the log still sign in."""
    users = [event.payload for event in events]
    await uow.conn.execute(
        sql.IMPORT_LEGACY_ACCOUNTS,
        [u.user_id for u in users],
        [u.email for u in users],
        [u.display_name for u in users],
        [u.registered_at for u in users],
        [u.password_hash for u in users],
    )


async def on_mfa_setup_requested(
    events: Sequence[Event[UserMfaSetupRequested]], uow: UnitOfWork
) -> None:
    """Remember each user's latest pending TOTP secret (still sealed)."""
    latest = {e.payload.user_id: e.payload.secret_ciphertext for e in events}
    await uow.conn.execute(sql.SET_PENDING_SECRETS, list(latest), list(latest.values()))


async def on_mfa_enable_requested(
    secrets: SecretBox, events: Sequence[Event[UserMfaEnableRequested]], uow: UnitOfWork
) -> None:
    """Turn MFA on where the code matches the pending secret (opened with `secrets`)."""
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


async def on_mfa_disable_requested(
    events: Sequence[Event[UserMfaDisableRequested]], uow: UnitOfWork
) -> None:
    """Turn MFA off (the ingress re-authenticated the user with password and code)."""
    # Several requests of one user in a batch raise the version once each.
    counts: dict[uuid.UUID, int] = {}
    for event in events:
        counts[event.payload.user_id] = counts.get(event.payload.user_id, 0) + 1
    rows = await uow.conn.fetch(sql.DEACTIVATE, list(counts), list(counts.values()))
    versions = {row["user_id"]: row["version"] for row in rows}
    for event in events:
        user_id = event.payload.user_id
        uow.emit(UserMfaDisabled(user_id=user_id, version=versions[user_id]), cause=event)


async def create_keys(vault: Vault, user_ids: Collection[uuid.UUID]) -> None:
    """Make each new account's personal-data key before its facts are published.

    The vault is the deployment's key service, not this transaction's database: a key made
    for a batch that then rolls back is found again (and kept) when the batch is retried.
    """
    for user_id in user_ids:
        await vault.create_key(user_id)


async def on_erasure_requested(
    vault: Vault, events: Sequence[Event[UserErasureRequested]], uow: UnitOfWork
) -> None:
    """Forget each user: their credentials, MFA, provider links and account, in one
    transaction, and every version of their personal-data key; then say so (`user.erased`).

    The keys are destroyed first, in the vault: if the transaction then fails, the retry
    destroys nothing more and `user.erased` is still published only once it commits.
    """
    user_ids = list({event.payload.user_id for event in events})
    for user_id in user_ids:
        await vault.destroy(user_id)
    await uow.conn.execute(sql.ERASE_ACCOUNTS, user_ids)
    for event in events:
        erased = UserErased(user_id=event.payload.user_id, erased_at=event.envelope.occurred_at)
        uow.emit(erased, cause=event)
