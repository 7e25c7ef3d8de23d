"""Identity: turns registration, MFA and provider sign-in requests into facts; owns the
`identity` schema."""

from __future__ import annotations

from functools import partial

from azora.consume.service import Service, service, subscribe
from azora.crypto import SecretBox
from consumers.identity import handlers, sign_in
from schemas import catalogue as topics


def make_identity(secrets: SecretBox) -> Service:
    """The identity service, with the key that opens TOTP secrets."""
    return service(
        "identity",
        subscribe(topics.USER_REGISTRATION_REQUESTED, handlers.on_registration_requested),
        subscribe(topics.USER_MFA_SETUP_REQUESTED, handlers.on_mfa_setup_requested),
        subscribe(
            topics.USER_MFA_ENABLE_REQUESTED, partial(handlers.on_mfa_enable_requested, secrets)
        ),
        subscribe(topics.USER_MFA_DISABLE_REQUESTED, handlers.on_mfa_disable_requested),
        subscribe(topics.USER_OIDC_SIGN_IN_REQUESTED, sign_in.on_sign_in_requested),
    )
