"""Which Postgres database each part of Azora uses: its own, or the shared one.

Every service, the projections and the ingress's read side can be given a database of
their own (`AZORA_<OWNER>_DATABASE_URL`); unset, they use `DATABASE_URL`. A service reads
and writes only its own database, and learns what it needs of another's data from events.
The ingress reads the projections' read models, so it uses their database unless
`AZORA_INGRESS_DATABASE_URL` names it otherwise (the same database under a read-only role:
the ingress writes nothing, and it LISTENs there for the projections' NOTIFY).

Each database holds the consume loop's own schema (`azora`: inbox, offsets, outbox) and
the schemas of the owners that use it, which `azora migrate` creates (`azora.migrate`).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from azora.settings import DATABASE_OWNERS, Settings

# The consume loop's bookkeeping: in every database.
SPINE = "azora"
# The schema each owner keeps in its database. The ingress owns none: it reads the
# projections' `read`.
SCHEMAS = {
    "identity": "identity",
    "learning": "learning",
    "payments": "payments",
    "wallet": "wallet",
    "tutor": "tutor",
    "projections": "read",
}
# The owners that keep state, in the order their schemas are migrated.
SERVICES = tuple(SCHEMAS)


def url_for(settings: Settings, owner: str) -> str:
    """The database `owner` uses; any name not in `DATABASE_OWNERS` uses the shared one.

    (Consumer groups of tests and tools, a single projection being rebuilt, go with the
    shared database unless their owner is named.)
    """
    if owner == "ingress":
        return settings.ingress_database_url or url_for(settings, "projections")
    if owner not in DATABASE_OWNERS:
        return settings.database_url
    own: str | None = getattr(settings, f"{owner}_database_url")
    return own or settings.database_url


def by_database(settings: Settings, owners: Iterable[str] = SERVICES) -> dict[str, list[str]]:
    """The databases `owners` use, each with the owners that share it (in the given order)."""
    grouped: dict[str, list[str]] = {}
    for owner in owners:
        grouped.setdefault(url_for(settings, owner), []).append(owner)
    return grouped


def schemas_of(owners: Iterable[str]) -> list[str]:
    """The schemas `owners` keep, in migration order (the ingress keeps none)."""
    wanted = set(owners)
    unknown = wanted - set(DATABASE_OWNERS)
    if unknown:
        raise ValueError(
            f"no such database owner: {', '.join(sorted(unknown))} "
            f"(one of {', '.join(DATABASE_OWNERS)})"
        )
    return [schema for owner, schema in SCHEMAS.items() if owner in wanted]


def where(url: str) -> str:
    """A database URL as `host:port/name`, without credentials: fit for logs and labels."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"{host}{port}{parts.path}"
