"""Each service, the projections and the ingress's read side find their own database, or
the shared one; those that share a database are migrated together."""

from __future__ import annotations

import pytest

from azora import databases
from azora.settings import DATABASE_OWNERS, Settings

SHARED = "postgresql://azora@db:5432/azora"
WALLET = "postgresql://wallet:pw@wallet-db:5432/wallet"
READ = "postgresql://azora@read-db:5432/read"


@pytest.fixture(autouse=True)
def _no_databases_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for owner in DATABASE_OWNERS:
        monkeypatch.delenv(f"AZORA_{owner.upper()}_DATABASE_URL", raising=False)


def test_a_service_without_a_database_of_its_own_uses_the_shared_one() -> None:
    settings = Settings(database_url=SHARED)

    assert {owner: databases.url_for(settings, owner) for owner in databases.SERVICES} == {
        owner: SHARED for owner in databases.SERVICES
    }
    assert databases.by_database(settings) == {SHARED: list(databases.SERVICES)}


def test_a_service_given_a_database_uses_it_and_the_others_share_the_rest() -> None:
    settings = Settings(database_url=SHARED, wallet_database_url=WALLET)

    assert databases.url_for(settings, "wallet") == WALLET
    assert databases.by_database(settings) == {
        SHARED: ["identity", "learning", "payments", "tutor", "projections"],
        WALLET: ["wallet"],
    }


def test_a_service_given_its_database_in_the_environment_finds_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", SHARED)
    monkeypatch.setenv("AZORA_WALLET_DATABASE_URL", WALLET)

    assert databases.url_for(Settings(), "wallet") == WALLET
    assert databases.url_for(Settings(), "identity") == SHARED


def test_the_ingress_reads_the_projections_database_unless_given_its_own() -> None:
    assert databases.url_for(Settings(database_url=SHARED), "ingress") == SHARED
    given_read = Settings(database_url=SHARED, projections_database_url=READ)
    assert databases.url_for(given_read, "ingress") == READ
    read_only = "postgresql://reader:pw@read-db:5432/read"
    given_both = given_read.model_copy(update={"ingress_database_url": read_only})
    assert databases.url_for(given_both, "ingress") == read_only


def test_a_consumer_group_no_owner_names_uses_the_shared_database() -> None:
    settings = Settings(database_url=SHARED, projections_database_url=READ)

    assert databases.url_for(settings, "users") == SHARED


def test_the_database_tls_settings_reach_every_services_url() -> None:
    settings = Settings(
        database_url=SHARED, wallet_database_url=WALLET, database_sslmode="verify-full"
    )

    assert databases.url_for(settings, "wallet") == WALLET + "?sslmode=verify-full"
    assert databases.url_for(settings, "learning") == SHARED + "?sslmode=verify-full"


def test_each_owner_keeps_its_schema_and_the_ingress_none() -> None:
    assert databases.schemas_of(["projections", "wallet"]) == ["wallet", "read"]
    assert databases.schemas_of(["ingress"]) == []


def test_an_unknown_owner_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="no such database owner: billing"):
        databases.schemas_of(["wallet", "billing"])


def test_a_database_is_named_without_its_credentials() -> None:
    assert databases.where(WALLET + "?sslmode=require") == "wallet-db:5432/wallet"
    assert databases.where("postgresql:///azora") == "localhost/azora"
