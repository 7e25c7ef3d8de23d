"""Identity: turns registration, MFA, provider sign-in and erasure requests into facts; owns
the `identity` schema (and destroys users' personal-data keys)."""

from __future__ import annotations

from functools import partial

from azora.consume.service import Service, service, subscribe
from azora.crypto import REGISTRATION, SecretBox
from azora.personal.vault import Vault
from consumers.identity import handlers, sign_in
from schemas import catalogue as topics


def make_identity(secrets: SecretBox, vault: Vault) -> Service:
    """The identity service, with the key that opens TOTP secrets (and, for its own
    purpose, the password hashes registrations carry sealed), and the vault it makes and
    destroys users' personal-data keys in."""
    register = partial(handlers.on_registration_requested, secrets.for_purpose(REGISTRATION), vault)
    return service(
        "identity",
        subscribe(topics.USER_REGISTRATION_REQUESTED_V2, register),
        # Legacy: commands an ingress of the previous release wrote during an upgrade, and
        # the accounts (with hashes) registered before hashes left the log.
        subscribe(topics.USER_REGISTRATION_REQUESTED, register),
        subscribe(topics.USER_REGISTERED, handlers.on_legacy_registered, replay_safe=True),
        subscribe(topics.USER_MFA_SETUP_REQUESTED, handlers.on_mfa_setup_requested),
        subscribe(
            topics.USER_MFA_ENABLE_REQUESTED, partial(handlers.on_mfa_enable_requested, secrets)
        ),
        subscribe(topics.USER_MFA_DISABLE_REQUESTED, handlers.on_mfa_disable_requested),
        subscribe(topics.USER_OIDC_SIGN_IN_REQUESTED, partial(sign_in.on_sign_in_requested, vault)),
        subscribe(topics.USER_ERASURE_REQUESTED, partial(handlers.on_erasure_requested, vault)),
    )
