"""What identity publishes besides its decisions: each user's login secrets, sealed for
the ingress's read side, and the personal sections of its facts, sealed with the user's key.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from typing import Any

from azora.consume.unit_of_work import UnitOfWork
from azora.credential_sealing import LoginSecrets, seal_credentials
from azora.crypto import SecretBox
from azora.messages import Event
from azora.personal.vault import KeyRing, Vault
from consumers.identity import sql
from schemas.credentials import UserCredentialsSet


async def publish_login_secrets(
    uow: UnitOfWork,
    totp: SecretBox,
    credentials: SecretBox,
    causes: Mapping[uuid.UUID, Event[Any]],
) -> None:
    """Publish each user's password hash and active TOTP secret as identity keeps them now
    (`user.credentials_set`), sealed for the ingress alone; `causes` names the event that
    changed them, per user (users without an account are skipped)."""
    if not causes:
        return
    for row in await uow.conn.fetch(sql.LOGIN_SECRETS, list(causes)):
        user_id: uuid.UUID = row["user_id"]
        # The TOTP secret rests sealed for the TOTP purpose; the ingress gets it inside the
        # credentials value instead, which only it opens.
        active = row["active_secret"]
        secrets = LoginSecrets(row["password_hash"], totp.open(active) if active else None)
        value = UserCredentialsSet(
            user_id=user_id,
            version=row["version"],
            sealed=seal_credentials(credentials, user_id, secrets),
        )
        uow.emit(value, cause=causes[user_id])


def forget_login_secrets(uow: UnitOfWork, causes: Mapping[uuid.UUID, Event[Any]]) -> None:
    """Publish an empty value for each erased user: the read side drops what it kept."""
    for user_id, cause in causes.items():
        uow.emit(UserCredentialsSet(user_id=user_id, version=0, sealed=None), cause=cause)


async def keyring_for(vault: Vault, user_ids: Collection[uuid.UUID]) -> KeyRing:
    """The personal-data keys of `user_ids`, making version 1 for any who has none: an
    account created just now, or before keys existed.

    The vault is the deployment's key service, not this transaction's database: a key made
    for a batch that then rolls back is found again (and kept) when the batch is retried.
    """
    ring = await vault.keyring(user_ids)
    missing = [user_id for user_id in user_ids if not ring.holds(user_id)]
    if not missing:
        return ring
    for user_id in missing:
        await vault.create_key(user_id)
    return await vault.keyring(user_ids)
