"""The secrets a process signs and verifies with, and the refusal of any value that is no
secret: one the source has published, a blank one, a repetitive or short one."""

from __future__ import annotations

import hashlib
from typing import Literal, Self

from pydantic import BaseModel, SecretStr, model_validator

from azora.payment_settings import SEALING_KEY_NAMES

# SHA-256 digests of every secret value this repository's source has ever spelled out
# (git history keeps them, so anyone can sign with them): refused in every mode. `make run`
# generates its own random development secrets instead (`infra/dev-secrets.sh`).
PUBLISHED_SECRET_DIGESTS = frozenset(
    {
        "b3e850e3f0693ff9e1cc0d7d13c8ec8b05b4969fd44db855917e41163ace36c3",
        "6613f1dfc37775795f8d41564ee2c52d346383e0e598a98b0a985a4ae109e07f",
        "507eb3cf37df0b15621824d0ffcf14dc79e1c79820bfb0af7d87a1ff2ad92073",
        "e342d7c15a2caea27d2c0d26b289e4d8d7a5817a8ec02e1a83aa9d774037b4f1",
        "e3cbacc77051a0cd5d7a6f0dd15ed85177787807a5457142ea5963b1db62648a",
        "ffec3954b1792eb7ef7ac59ce3947c478403dd754c656d869128f6b3e73cfd27",
        "ed41f4358672f9c4b4548f80d303a46c1ad7e234288ebff175238913830aa9ab",
        "c2e72c99b189a5d6726922b47d54f4d6cb71d7ab6a8f752c16cb4218ebf4bb79",
        "bd913ff68243d41b9611b2690dfbf2b0f6e42ea14536a98232af60e9f64ffdaa",
        "dc4c5d17d972b66638dd360cf701ca3d0d7ef3b06c5156cd4de5da931555d567",
        "609b97b03239401be8235dd68f4a53ea4e32183a775fb958b1c745e173586d73",
        "7896598e5681eea76df3dfa29dbc63cd44bc307a850a68c8fab4fe5d5df67ed8",
    }
)
MIN_SECRET_KEY_LENGTH = 32
# A long value of a few repeated characters ("x" * 40) is no secret either.
MIN_DISTINCT_CHARACTERS = 8
SecretName = Literal[
    "secret_key", "stripe_webhook_secret", "payment_sealing_key", "personal_data_key"
]
# Every secret refused when it is no secret; the keys among them are held to the length too.
# The sealing keys are declared beside the rest of payments' (`azora.payment_settings`), the
# personal-data key beside the vault's (`azora.personal_settings`).
PERSONAL_KEY_NAMES = ("personal_data_key", "personal_data_previous_key")
CHECKED_SECRETS = ("secret_key", "stripe_webhook_secret", *SEALING_KEY_NAMES, *PERSONAL_KEY_NAMES)
CHECKED_KEYS = ("secret_key", *SEALING_KEY_NAMES, *PERSONAL_KEY_NAMES)


class MissingSecret(RuntimeError):
    """A process needs a secret that its environment does not give."""


class SecretSettings(BaseModel):
    """The signing key and Stripe's webhook secret; they, and payments' sealing keys, are
    refused when they are no secret."""

    # Signs tokens and seals TOTP secrets; only the ingress and identity need it, so the
    # other processes (and the operators' tools) run without it.
    secret_key: SecretStr | None = None
    # Stripe's signing secret for webhooks (`whsec_...`); only the ingress needs it.
    stripe_webhook_secret: SecretStr | None = None

    @model_validator(mode="after")
    def _refuse_known_or_weak_secrets(self) -> Self:
        # In every mode: a development stack on a published key is as open as production.
        for name in CHECKED_SECRETS:
            given: SecretStr | None = getattr(self, name, None)
            if given is None:
                continue
            value = given.get_secret_value().strip()
            env_name = f"AZORA_{name.upper()}"
            if not value:
                raise ValueError(f"{env_name} is blank: set a private value or leave it unset")
            if hashlib.sha256(value.encode()).hexdigest() in PUBLISHED_SECRET_DIGESTS:
                raise ValueError(
                    f"{env_name} is a value published in Azora's source; set a private one"
                )
            if len(set(value)) < MIN_DISTINCT_CHARACTERS:
                raise ValueError(f"{env_name} is too repetitive to be a secret")
        for name in CHECKED_KEYS:
            given_key: SecretStr | None = getattr(self, name, None)
            if given_key is not None and len(given_key.get_secret_value().strip()) < (
                MIN_SECRET_KEY_LENGTH
            ):
                raise ValueError(
                    f"AZORA_{name.upper()} must be at least {MIN_SECRET_KEY_LENGTH} characters"
                )
        return self

    def required_secret(self, name: SecretName) -> str:
        """The value of a secret this process cannot run without; a clear error when unset."""
        given: SecretStr | None = getattr(self, name)
        if given is None:
            raise MissingSecret(
                f"AZORA_{name.upper()} must be set (`make run` generates development secrets "
                "into the state dir; production takes them from its secret store)"
            )
        return given.get_secret_value()
