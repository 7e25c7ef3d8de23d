"""The keys identity works with, in one place its handlers take."""

from __future__ import annotations

from dataclasses import dataclass

from azora.crypto import CREDENTIALS, REGISTRATION, SecretBox
from azora.personal.vault import Vault


@dataclass(frozen=True)
class IdentityKeys:
    """`totp` opens the TOTP secrets identity keeps; `registrations` opens what the ingress
    sealed for identity (hashes, emails, names, provider claims); `credentials` seals login
    secrets for the ingress's read side; `vault` holds users' personal-data keys."""

    totp: SecretBox
    registrations: SecretBox
    credentials: SecretBox
    vault: Vault

    @classmethod
    def of(cls, secrets: SecretBox, vault: Vault) -> IdentityKeys:
        """Each purpose's box from the deployment's secret box, and the vault."""
        return cls(
            totp=secrets,
            registrations=secrets.for_purpose(REGISTRATION),
            credentials=secrets.for_purpose(CREDENTIALS),
            vault=vault,
        )
