"""Settings for every Azora process, from the environment (prefix `AZORA_`).

Each concern keeps its settings, and the checks between them, in a module of its own;
`Settings` only composes them. A new concern is a new `azora/<concern>_settings.py` with one
model, and one line in the list of bases below.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from azora.account_settings import AccountSettings
from azora.consumer_settings import ConsumerSettings
from azora.database_settings import DATABASE_OWNERS, DatabaseSettings, with_query
from azora.environment_settings import EnvironmentSettings
from azora.ingress_settings import IngressSettings
from azora.kafka_settings import KafkaSettings
from azora.observability_settings import ObservabilitySettings
from azora.oidc_settings import OidcSettings
from azora.payment_settings import PaymentSealingSettings
from azora.personal_settings import PersonalDataSettings
from azora.secret_settings import MissingSecret, SecretName, SecretSettings
from azora.stripe_settings import StripeSettings
from azora.tutor_settings import TutorSettings

__all__ = ["DATABASE_OWNERS", "MissingSecret", "SecretName", "Settings", "with_query"]


class Settings(
    KafkaSettings,
    DatabaseSettings,
    SecretSettings,
    StripeSettings,
    PaymentSealingSettings,
    PersonalDataSettings,
    TutorSettings,
    ObservabilitySettings,
    IngressSettings,
    AccountSettings,
    OidcSettings,
    ConsumerSettings,
    EnvironmentSettings,  # after the concerns whose checks read it (Python's MRO asks so)
    BaseSettings,
):
    """Everything a process needs to know about its surroundings."""

    # `__` nests: AZORA_OIDC_PROVIDERS__GOOGLE__CLIENT_ID is oidc_providers["google"].client_id.
    model_config = SettingsConfigDict(
        env_prefix="AZORA_", extra="ignore", env_nested_delimiter="__"
    )
