"""Which Postgres databases the processes use, their pool size, and TLS to them."""

from __future__ import annotations

from typing import Literal, Self
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import AliasChoices, BaseModel, Field, model_validator

# Who may be given a Postgres database of its own: every service, the projections, and the
# ingress's read side (`azora.databases` says which database each one uses).
DATABASE_OWNERS = (
    "identity",
    "learning",
    "payments",
    "wallet",
    "tutor",
    "projections",
    "ingress",
)


class DatabaseSettings(BaseModel):
    """DATABASE_URL, a database of its own per owner, and the libpq TLS settings."""

    database_url: str = Field(
        default="postgresql://azora@127.0.0.1:54329/azora",
        validation_alias=AliasChoices("AZORA_DATABASE_URL", "DATABASE_URL"),
    )
    # A database of its own for a service, the projections, or the ingress's read side
    # (AZORA_<OWNER>_DATABASE_URL); unset, the owner uses DATABASE_URL (`azora.databases`).
    identity_database_url: str | None = None
    learning_database_url: str | None = None
    payments_database_url: str | None = None
    wallet_database_url: str | None = None
    tutor_database_url: str | None = None
    projections_database_url: str | None = None
    ingress_database_url: str | None = None
    db_pool_max: int = 10
    # Postgres TLS, named as libpq names it. Folded into the DSN's query, where asyncpg
    # reads it for every pool and connection (and migrations). Unset: asyncpg's default,
    # `prefer`, which never verifies the server: set `verify-full` in production.
    database_sslmode: (
        Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] | None
    ) = None
    database_sslrootcert: str | None = None  # CA file the server's certificate must chain to
    database_sslcert: str | None = None  # client certificate, when the server asks for one
    database_sslkey: str | None = None

    @model_validator(mode="after")
    def _database_tls_in_the_dsn(self) -> Self:
        wanted = {
            "sslmode": self.database_sslmode,
            "sslrootcert": self.database_sslrootcert,
            "sslcert": self.database_sslcert,
            "sslkey": self.database_sslkey,
        }
        given = {k: v for k, v in wanted.items() if v is not None}
        self.database_url = with_query(self.database_url, given)
        for owner in DATABASE_OWNERS:
            name = f"{owner}_database_url"
            own: str | None = getattr(self, name)
            if own is not None:
                setattr(self, name, with_query(own, given))
        return self


def with_query(dsn: str, params: dict[str, str]) -> str:
    """`dsn` with `params` in its query; a different value already there is a conflict."""
    if not params:
        return dsn
    parts = urlsplit(dsn)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for name, value in params.items():
        if query.get(name, value) != value:
            raise ValueError(
                f"the database URL says {name}={query[name]} but AZORA_DATABASE_"
                f"{name.upper()} says {value}"
            )
        query[name] = value
    return urlunsplit(parts._replace(query=urlencode(query, safe="/")))
