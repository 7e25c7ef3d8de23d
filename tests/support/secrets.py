"""Secrets for tests: random per run, like `make run`'s, so none is ever spelled in the source
(a process refuses every value the source has published)."""

from __future__ import annotations

import secrets


def random_secret_key() -> str:
    """A signing key as long as production demands."""
    return secrets.token_urlsafe(48)


def random_sealing_key() -> str:
    """A key that seals Stripe client secrets (AZORA_PAYMENT_SEALING_KEY)."""
    return secrets.token_urlsafe(48)


def random_webhook_secret() -> str:
    """A Stripe-shaped webhook signing secret."""
    return f"whsec_{secrets.token_urlsafe(32)}"
