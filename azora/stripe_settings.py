"""How the payments service reaches Stripe (or stripe-mock) and how webhooks are checked."""

from __future__ import annotations

from pydantic import AliasChoices, BaseModel, Field, SecretStr


class StripeSettings(BaseModel):
    """Stripe's API key and base URL, its call timeout, and the webhooks' clock tolerance.

    The webhook signing secret is a secret like the signing key: `azora.secret_settings`.
    """

    # Without a key, payments fail with "no payment provider configured". The API base
    # points the official SDK at stripe-mock in development and tests.
    stripe_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("AZORA_STRIPE_API_KEY", "STRIPE_API_KEY")
    )
    stripe_api_base: str | None = None
    stripe_webhook_tolerance_s: int = 300
    stripe_timeout_s: float = 10.0
