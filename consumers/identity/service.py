"""Identity: turns registration, MFA, provider sign-in and erasure requests into facts; owns
the `identity` schema (and creates and destroys users' personal-data keys)."""

from __future__ import annotations

from functools import partial

from azora.consume.service import Service, service, subscribe
from azora.crypto import SecretBox
from azora.personal.vault import Vault
from consumers.identity import handlers, sign_in
from consumers.identity.keys import IdentityKeys
from schemas import catalogue as topics


def make_identity(secrets: SecretBox, vault: Vault) -> Service:
    """The identity service, with the deployment's secret box (each purpose's key is
    derived from it: `IdentityKeys`) and the vault of users' personal-data keys."""
    keys = IdentityKeys.of(secrets, vault)
    register = partial(handlers.on_registration_requested, keys)
    sign_in_requested = partial(sign_in.on_sign_in_requested, keys)
    before = partial(handlers.on_registered_before, keys)
    return service(
        "identity",
        subscribe(topics.USER_REGISTRATION_REQUESTED_V3, register),
        # Legacy: commands an ingress of an earlier release wrote during an upgrade, and
        # the accounts (with hashes) registered before hashes left the log.
        subscribe(topics.USER_REGISTRATION_REQUESTED_V2, register),
        subscribe(topics.USER_REGISTRATION_REQUESTED, register),
        subscribe(
            topics.USER_REGISTERED,
            partial(handlers.on_legacy_registered, keys),
            replay_safe=True,
        ),
        # Accounts created before identity published login secrets (its own earlier
        # facts, written no more): their secrets reach the ingress's read side once.
        subscribe(topics.USER_REGISTERED_V2, before, replay_safe=True),
        subscribe(topics.USER_REGISTERED_WITH_PROVIDER, before, replay_safe=True),
        subscribe(topics.USER_MFA_SETUP_REQUESTED, handlers.on_mfa_setup_requested),
        subscribe(
            topics.USER_MFA_ENABLE_REQUESTED, partial(handlers.on_mfa_enable_requested, keys)
        ),
        subscribe(
            topics.USER_MFA_DISABLE_REQUESTED, partial(handlers.on_mfa_disable_requested, keys)
        ),
        subscribe(topics.USER_OIDC_SIGN_IN_REQUESTED_V2, sign_in_requested),
        subscribe(topics.USER_OIDC_SIGN_IN_REQUESTED, sign_in_requested),
        subscribe(topics.USER_ERASURE_REQUESTED, partial(handlers.on_erasure_requested, keys)),
    )
