"""Settings refuse development secrets outside development mode."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from azora.settings import Settings

STRONG = "a-production-secret-that-is-long-enough-0123456789"


def test_development_runs_on_its_well_known_secrets() -> None:
    assert Settings(env="development").secret_key.get_secret_value()


def test_production_refuses_the_development_secret_key() -> None:
    with pytest.raises(ValidationError, match="AZORA_SECRET_KEY"):
        Settings(env="production", stripe_webhook_secret="whsec_real")


def test_production_refuses_a_short_secret_key() -> None:
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(env="production", secret_key="short", stripe_webhook_secret="whsec_real")


def test_production_refuses_the_development_webhook_secret() -> None:
    with pytest.raises(ValidationError, match="AZORA_STRIPE_WEBHOOK_SECRET"):
        Settings(env="production", secret_key=STRONG)


def test_production_starts_with_its_own_secrets() -> None:
    settings = Settings(env="production", secret_key=STRONG, stripe_webhook_secret="whsec_real")
    assert settings.env == "production"
