"""Settings refuse development or missing secrets outside development mode."""

from __future__ import annotations

import os
import subprocess
import sys

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


@pytest.mark.parametrize("blank", ["", "   "])
def test_production_refuses_a_missing_secret_key(blank: str) -> None:
    with pytest.raises(ValidationError, match="AZORA_SECRET_KEY"):
        Settings(env="production", secret_key=blank, stripe_webhook_secret="whsec_real")


@pytest.mark.parametrize("blank", ["", "   "])
def test_production_refuses_a_missing_webhook_secret(blank: str) -> None:
    with pytest.raises(ValidationError, match="AZORA_STRIPE_WEBHOOK_SECRET"):
        Settings(env="production", secret_key=STRONG, stripe_webhook_secret=blank)


def test_test_mode_is_held_to_the_same_rules_as_production() -> None:
    with pytest.raises(ValidationError, match="AZORA_SECRET_KEY"):
        Settings(env="test", stripe_webhook_secret="whsec_real")
    with pytest.raises(ValidationError, match="AZORA_STRIPE_WEBHOOK_SECRET"):
        Settings(env="test", secret_key=STRONG)


def test_provider_keys_are_optional_by_design_outside_development(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Without them payments and the tutor fail each request with a reason ("no payment
    # provider configured"), and /readyz says so; the rest of the platform runs.
    for name in ("STRIPE_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"AZORA_{name}", raising=False)
    settings = Settings(env="production", secret_key=STRONG, stripe_webhook_secret="whsec_real")
    assert settings.stripe_api_key is None
    assert settings.openai_api_key is None


@pytest.mark.parametrize("command", [["ingress"], ["consume", "identity"], ["relay"]])
def test_services_refuse_to_start_outside_development_without_their_secrets(
    command: list[str],
) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AZORA_")}
    environment["AZORA_ENV"] = "production"
    started = subprocess.run(
        [sys.executable, "-m", "stack", *command],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0
    assert "AZORA_SECRET_KEY must be set" in started.stderr
