"""Where the Kafka cluster is, the topic prefix, and how every client secures its connection."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import AliasChoices, BaseModel, Field, SecretStr, model_validator


class KafkaSettings(BaseModel):
    """The brokers' address and transport security, for every Kafka client of a process."""

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:19092",
        validation_alias=AliasChoices("AZORA_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"),
    )
    # Prepended to every physical topic name: lets tests (or tenants) run an isolated world.
    topic_prefix: str = Field(default="", pattern=r"^[a-zA-Z0-9._-]*$")

    # Kafka transport security, for every client: producers, consumers, admin clients and
    # the ingress's FastStream broker (`azora.kafka.client_kwargs`). TLS verifies the
    # brokers against `kafka_ssl_cafile`, or the system's CAs when it is unset.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "PLAIN"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = None
    kafka_ssl_certfile: str | None = None  # client certificate (mutual TLS)
    kafka_ssl_keyfile: str | None = None
    kafka_ssl_key_password: SecretStr | None = None

    @model_validator(mode="after")
    def _refuse_sasl_without_credentials(self) -> Self:
        # Never works, in any mode: say so at start rather than at the first connection.
        password = self.kafka_sasl_password.get_secret_value() if self.kafka_sasl_password else ""
        if self.kafka_security_protocol.startswith("SASL_") and not (
            self.kafka_sasl_username and password
        ):
            raise ValueError(
                f"AZORA_KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} needs "
                "AZORA_KAFKA_SASL_USERNAME and AZORA_KAFKA_SASL_PASSWORD"
            )
        return self
