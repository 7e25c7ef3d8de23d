"""The keys that seal Stripe client secrets between the payments service and the ingress.

Composed into `azora.settings.Settings`, which refuses published, short or repetitive
values for them as it does for every secret. Only the payments service (which seals) and
the ingress (which opens, for the paying user) need them.
"""

from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings

from azora.payment_sealing import ClientSecretSeal

SEALING_KEY_NAMES = ("payment_sealing_key", "payment_sealing_previous_key")


class PaymentSealingSettings(BaseSettings):
    """AZORA_PAYMENT_SEALING_KEY (32+ characters, from the secret store) seals; during a
    rotation AZORA_PAYMENT_SEALING_PREVIOUS_KEY still opens what the old key sealed."""

    payment_sealing_key: SecretStr | None = None
    payment_sealing_previous_key: SecretStr | None = None

    def client_secret_seal(self) -> ClientSecretSeal:
        """The seal both sides use; a clear error when the key is not set."""
        if self.payment_sealing_key is None:
            raise MissingSealingKey(
                "AZORA_PAYMENT_SEALING_KEY must be set (`make run` generates development "
                "secrets into the state dir; production takes them from its secret store)"
            )
        previous = self.payment_sealing_previous_key
        return ClientSecretSeal(
            self.payment_sealing_key.get_secret_value(),
            previous.get_secret_value() if previous else None,
        )


class MissingSealingKey(RuntimeError):
    """The payments service or the ingress was started without the sealing key."""
