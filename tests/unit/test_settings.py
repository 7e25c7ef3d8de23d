"""Settings refuse secrets the source has published, weak ones, and blank ones, in every
mode; the processes that sign or verify with a secret refuse to start without it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pydantic import ValidationError

from azora.settings import MissingSecret, Settings
from tests.support.secrets import random_secret_key, random_webhook_secret

# What the repository once shipped as its development secrets: public forever in its history.
PUBLISHED_KEY = "azora-development-secret-do-not-use-in-production"
PUBLISHED_WEBHOOK_SECRET = "whsec_azora_development_only"
MODES = ["development", "test", "production"]


@pytest.mark.parametrize("env", MODES)
def test_every_mode_refuses_the_published_development_key(env: str) -> None:
    with pytest.raises(ValidationError, match="AZORA_SECRET_KEY is a value published"):
        Settings(env=env, secret_key=PUBLISHED_KEY)


@pytest.mark.parametrize("env", MODES)
def test_every_mode_refuses_the_published_webhook_secret(env: str) -> None:
    with pytest.raises(ValidationError, match="AZORA_STRIPE_WEBHOOK_SECRET is a value published"):
        Settings(env=env, stripe_webhook_secret=PUBLISHED_WEBHOOK_SECRET)


@pytest.mark.parametrize("env", MODES)
def test_every_mode_refuses_a_short_secret_key(env: str) -> None:
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(env=env, secret_key="short-but-varied-0123")


def test_a_long_run_of_one_character_is_no_secret() -> None:
    with pytest.raises(ValidationError, match="too repetitive"):
        Settings(secret_key="x" * 64)


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_secret_is_refused_rather_than_taken_for_unset(blank: str) -> None:
    with pytest.raises(ValidationError, match="AZORA_SECRET_KEY is blank"):
        Settings(secret_key=blank)
    with pytest.raises(ValidationError, match="AZORA_STRIPE_WEBHOOK_SECRET is blank"):
        Settings(stripe_webhook_secret=blank)


def test_private_random_secrets_are_taken_in_every_mode() -> None:
    key, webhook = random_secret_key(), random_webhook_secret()
    for env in MODES:
        settings = Settings(env=env, secret_key=key, stripe_webhook_secret=webhook)
        assert settings.required_secret("secret_key") == key
        assert settings.required_secret("stripe_webhook_secret") == webhook


def test_asking_for_an_unset_secret_names_the_variable_to_set() -> None:
    settings = Settings(secret_key=None, stripe_webhook_secret=None)
    with pytest.raises(MissingSecret, match="AZORA_SECRET_KEY must be set"):
        settings.required_secret("secret_key")


def test_provider_keys_are_optional_by_design(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without them payments and the tutor fail each request with a reason ("no payment
    # provider configured"), and /readyz says so; the rest of the platform runs.
    for name in ("STRIPE_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"AZORA_{name}", raising=False)
    settings = Settings(
        env="production",
        secret_key=random_secret_key(),
        stripe_webhook_secret=random_webhook_secret(),
    )
    assert settings.stripe_api_key is None
    assert settings.openai_api_key is None


def _start(command: list[str], **extra: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AZORA_")}
    environment.update(extra)
    return subprocess.run(
        [sys.executable, "-m", "stack", *command],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("command", [["ingress"], ["consume", "identity"]])
def test_the_processes_that_sign_refuse_to_start_without_their_secret(
    command: list[str],
) -> None:
    started = _start(command)
    assert started.returncode != 0
    assert "AZORA_SECRET_KEY must be set" in started.stderr


def test_the_ingress_refuses_to_start_without_the_webhook_secret() -> None:
    started = _start(["ingress"], AZORA_SECRET_KEY=random_secret_key())
    assert started.returncode != 0
    assert "AZORA_STRIPE_WEBHOOK_SECRET must be set" in started.stderr


@pytest.mark.parametrize("env", MODES)
def test_a_development_stack_refuses_to_start_on_the_published_key(env: str) -> None:
    started = _start(["ingress"], AZORA_ENV=env, AZORA_SECRET_KEY=PUBLISHED_KEY)
    assert started.returncode != 0
    assert "AZORA_SECRET_KEY is a value published in Azora's source" in started.stderr
