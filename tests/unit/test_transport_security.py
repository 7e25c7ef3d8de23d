"""Kafka SASL/TLS and Postgres TLS from settings, for every client (no network)."""

from __future__ import annotations

import datetime as dt
import ssl
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from faststream.kafka.security import parse_security
from pydantic import ValidationError

from azora import kafka
from azora.settings import Settings
from producers.ingress import transport
from producers.ingress.asyncapi import broker_security
from tests.support.secrets import random_secret_key, random_webhook_secret

PRODUCTION: dict[str, Any] = {
    "env": "production",
    "secret_key": random_secret_key(),
    "stripe_webhook_secret": random_webhook_secret(),
}


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A CA certificate, and a client certificate with its (encrypted) key."""
    folder = tmp_path_factory.mktemp("pki")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "azora-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    paths = {name: folder / f"{name}.pem" for name in ("ca", "cert", "key")}
    paths["ca"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"key-password"),
        )
    )
    return {name: str(path) for name, path in paths.items()}


def test_by_default_clients_connect_in_plaintext_to_the_configured_brokers() -> None:
    settings = Settings(kafka_bootstrap_servers="k1:9092,k2:9092")

    assert kafka.client_kwargs(settings) == {
        "bootstrap_servers": "k1:9092,k2:9092",
        "security_protocol": "PLAINTEXT",
    }
    assert broker_security(settings) is None


def test_sasl_over_tls_gives_every_client_credentials_and_a_verifying_context(
    pki: dict[str, str],
) -> None:
    settings = Settings(
        **PRODUCTION,
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="azora",
        kafka_sasl_password="s3cret",
        kafka_ssl_cafile=pki["ca"],
    )

    kwargs = kafka.client_kwargs(settings)

    context = kwargs.pop("ssl_context")
    assert kwargs == {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "azora",
        "sasl_plain_password": "s3cret",
    }
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "azora-test"),),)]


@pytest.mark.parametrize(
    ("protocol", "mechanism"),
    [
        ("PLAINTEXT", "PLAIN"),
        ("SSL", "PLAIN"),
        ("SASL_PLAINTEXT", "PLAIN"),
        ("SASL_PLAINTEXT", "SCRAM-SHA-256"),
        ("SASL_SSL", "SCRAM-SHA-512"),
    ],
)
def test_the_ingress_broker_gets_the_same_security_as_every_aiokafka_client(
    protocol: str, mechanism: str
) -> None:
    settings = Settings(
        kafka_security_protocol=protocol,
        kafka_sasl_mechanism=mechanism,
        kafka_sasl_username="azora",
        kafka_sasl_password="s3cret",
    )

    ours = kafka.security_kwargs(settings)
    faststreams = parse_security(broker_security(settings))

    if protocol == "PLAINTEXT":
        assert faststreams == {}
        return
    # Contexts are built per client; what matters is that both have one, or neither.
    assert (ours.pop("ssl_context", None) is None) == (faststreams.pop("ssl_context") is None)
    assert faststreams == ours


def test_the_ingress_producer_is_the_runtimes_with_the_ingress_tuning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: dict[str, Any] = {}

    def make_producer(settings: Settings, client_id: str, **tuning: Any) -> None:
        built.update(settings=settings, client_id=client_id, **tuning)

    monkeypatch.setattr(kafka, "make_producer", make_producer)
    settings = Settings()
    transport.ingress_producer(settings)  # type: ignore[func-returns-value]

    assert built == {
        "settings": settings,
        "client_id": "azora-ingress",
        "linger_ms": 2,
        "request_timeout_ms": 10_000,
        "max_request_size": 1024 * 1024,
    }


def test_mutual_tls_loads_the_client_certificate_and_its_encrypted_key(
    pki: dict[str, str],
) -> None:
    settings = Settings(
        kafka_security_protocol="SSL",
        kafka_ssl_cafile=pki["ca"],
        kafka_ssl_certfile=pki["cert"],
        kafka_ssl_keyfile=pki["key"],
        kafka_ssl_key_password="key-password",
    )
    assert isinstance(kafka.client_kwargs(settings)["ssl_context"], ssl.SSLContext)

    wrong = settings.model_copy(update={"kafka_ssl_key_password": None})
    with pytest.raises(ssl.SSLError):
        kafka.client_kwargs(wrong)


def test_a_missing_ca_file_fails_at_start_not_at_the_first_message(tmp_path: Path) -> None:
    settings = Settings(kafka_security_protocol="SSL", kafka_ssl_cafile=str(tmp_path / "nope"))
    with pytest.raises(FileNotFoundError):
        kafka.client_kwargs(settings)


@pytest.mark.parametrize("env", ["development", "production"])
@pytest.mark.parametrize(
    "credentials",
    [{}, {"kafka_sasl_username": "azora"}, {"kafka_sasl_password": "s3cret"}],
)
def test_sasl_without_credentials_is_refused(env: str, credentials: dict[str, Any]) -> None:
    given: dict[str, Any] = PRODUCTION if env == "production" else {"env": env}
    with pytest.raises(ValidationError, match="AZORA_KAFKA_SASL_USERNAME"):
        Settings(**given, kafka_security_protocol="SASL_SSL", **credentials)


def test_kafka_secrets_never_show_in_settings_reprs() -> None:
    settings = Settings(
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_username="azora",
        kafka_sasl_password="s3cret",
        kafka_ssl_key_password="key-password",
    )
    assert "s3cret" not in repr(settings)
    assert "key-password" not in repr(settings)


def test_postgres_tls_goes_into_the_dsn_every_pool_and_connection_uses() -> None:
    settings = Settings(
        database_url="postgresql://azora:pw@db.internal:5432/azora?application_name=azora",
        database_sslmode="verify-full",
        database_sslrootcert="/etc/azora/pg-ca.pem",
    )
    assert settings.database_url == (
        "postgresql://azora:pw@db.internal:5432/azora?application_name=azora"
        "&sslmode=verify-full&sslrootcert=/etc/azora/pg-ca.pem"
    )


def test_postgres_tls_already_in_the_dsn_is_kept() -> None:
    url = "postgresql://azora@db/azora?sslmode=require"
    assert Settings(database_url=url).database_url == url
    assert Settings(database_url=url, database_sslmode="require").database_url == url


def test_postgres_tls_that_contradicts_the_dsn_is_refused() -> None:
    with pytest.raises(ValidationError, match="sslmode"):
        Settings(
            database_url="postgresql://db/azora?sslmode=disable", database_sslmode="verify-full"
        )


async def test_asyncpg_reads_the_tls_settings_from_the_dsn(pki: dict[str, str]) -> None:
    # asyncpg's own DSN parsing (what every pool and connection does), without connecting.
    from asyncpg import connect_utils

    settings = Settings(
        database_url="postgresql://azora@db.internal/azora",
        database_sslmode="verify-full",
        database_sslrootcert=pki["ca"],
    )
    parse = getattr(connect_utils, "_parse_connect_dsn_and_args")  # noqa: B009
    _, params = parse(
        dsn=settings.database_url,
        host=None,
        port=None,
        user=None,
        password=None,
        passfile=None,
        database=None,
        ssl=None,
        service=None,
        servicefile=None,
        direct_tls=None,
        server_settings=None,
        target_session_attrs=None,
        krbsrvname=None,
        gsslib=None,
    )
    assert isinstance(params.ssl, ssl.SSLContext)
    assert params.ssl.verify_mode == ssl.CERT_REQUIRED
    assert params.ssl.check_hostname
    assert params.sslmode.name == "verify_full"
