"""After the whole e2e run, no topic of the catalogue holds a secret that run used, in clear:
not a password or its hash, a TOTP secret or recovery code, a Stripe client secret, the
webhook signing secret, a refresh or access token, or a key of the deployment. Every record
of every topic and dead-letter topic is read from the beginning: keys, values and headers.

It runs last, after every other journey of the run; it walks the journeys it names itself
too (registration with a password, MFA set-up, a card payment settled by Stripe's signed
webhook, a session refresh, a tutor question), so it proves something when run alone.
"""

from __future__ import annotations

from collections import Counter

import asyncpg
import httpx
import pytest

from schemas import catalogue
from tests.e2e.helpers import (
    a_top_up,
    an_email,
    bearer,
    login,
    outcome,
    register,
    succeeded,
    until,
    webhook,
)
from tests.e2e.test_accounts import an_account_with_mfa
from tests.support import topic_scan
from tests.support.used_secrets import (
    ACCESS_TOKEN,
    CLIENT_SECRET,
    DEPLOYMENT_KEY,
    EMAIL_ADDRESS,
    PASSWORD,
    PASSWORD_HASH,
    RECOVERY_CODE,
    REFRESH_TOKEN,
    TOTP_SECRET,
    WEBHOOK_SECRET,
    UsedSecrets,
)
from tests.support.world import World

pytestmark = [pytest.mark.e2e, pytest.mark.last]

# What no event may hold in clear (emails and names are personal data, not secrets: they
# are sealed per user, which is checked where erasure is).
SECRET_KINDS = (
    PASSWORD,
    PASSWORD_HASH,
    TOTP_SECRET,
    RECOVERY_CODE,
    CLIENT_SECRET,
    WEBHOOK_SECRET,
    REFRESH_TOKEN,
    ACCESS_TOKEN,
    DEPLOYMENT_KEY,
)
# The kinds this test's own journeys are sure to have used, so the scan has them to look for.
JOURNEY_KINDS = {PASSWORD, PASSWORD_HASH, TOTP_SECRET, CLIENT_SECRET, WEBHOOK_SECRET}
JOURNEY_KINDS |= {REFRESH_TOKEN, DEPLOYMENT_KEY}
# Topics those journeys write to, whatever else the run did.
JOURNEY_TOPICS = (
    catalogue.USER_REGISTRATION_REQUESTED_V3,
    catalogue.USER_CREDENTIALS_SET,
    catalogue.USER_MFA_SETUP_REQUESTED,
    catalogue.SESSION_REFRESHED,
    catalogue.PAYMENT_INTENT_CREATED_V2,
    catalogue.PAYMENT_WEBHOOK_RECEIVED_V2,
    catalogue.TUTOR_ASKED_V2,
)


async def test_no_topic_of_the_whole_run_holds_a_secret_it_used(
    http: httpx.AsyncClient,
    stack_world: World,
    db: asyncpg.Pool,
    service_databases: dict[str, str],
    used_secrets: UsedSecrets,
) -> None:
    await journeys(http, db, stack_world)
    for value in await password_hashes(db, service_databases, used_secrets):
        used_secrets.add(value, kind=PASSWORD_HASH)
    secrets = used_secrets.of_kinds(*SECRET_KINDS)

    scanned = await topic_scan.scan(stack_world.settings, stack_world.names.all_physical(), secrets)

    # The check had something to look for, and read the records the journeys wrote.
    assert set(secrets.values()) >= JOURNEY_KINDS, Counter(secrets.values())
    written = {stack_world.names.physical(spec) for spec in JOURNEY_TOPICS}
    assert written <= scanned.topics_with_records, written - scanned.topics_with_records
    where = Counter((finding.topic, finding.kind) for finding in scanned.findings)
    summary = "\n".join(f"{n} x {kind} on {topic}" for (topic, kind), n in sorted(where.items()))
    listed = "\n".join(str(finding) for finding in scanned.findings[:20])
    assert scanned.findings == [], (
        f"{len(scanned.findings)} records hold secrets in clear:\n{summary}\nfirst:\n{listed}"
    )


async def journeys(http: httpx.AsyncClient, db: asyncpg.Pool, world: World) -> None:
    """Registration with a password, MFA set-up, a refresh, a card payment settled by a
    signed webhook, and a tutor question: every secret kind the scan looks for, used."""
    await an_account_with_mfa(http)
    email = an_email()
    assert (await outcome(http, await register(http, email)))["status"] == "succeeded"
    tokens = await login(http, email)
    assert tokens.status_code == 200, tokens.text
    auth = bearer(tokens)
    refreshed = await http.post(
        "/v1/auth/refresh", json={"refresh_token": tokens.json()["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text

    payment_id, intent = await a_top_up(http, auth, db, 4200)

    async def client_secret() -> str | None:
        answer = await http.get(f"/v1/payments/{payment_id}", headers=auth)
        secret: str | None = answer.json().get("client_secret")
        return secret

    assert await until(client_secret), "the payer never saw the intent's client secret"
    secret = world.settings.required_secret("stripe_webhook_secret")
    assert (await webhook(http, succeeded(intent, 4200), secret)).status_code == 200

    async def paid() -> bool:
        answer = await http.get(f"/v1/payments/{payment_id}", headers=auth)
        return bool(answer.json()["status"] == "succeeded")

    assert await until(paid, timeout=60)
    asked = await http.post(
        "/v1/tutor/questions", headers=auth, json={"question": "What is a topic partition?"}
    )
    assert asked.status_code == 202, asked.text
    assert (await outcome(http, asked))["status"] in {"succeeded", "rejected"}


async def password_hashes(
    db: asyncpg.Pool, service_databases: dict[str, str], used: UsedSecrets
) -> list[str]:
    """The password hashes stored for the run's users, wherever a release keeps them: every
    `password_hash` column of identity's own database (made for this run), and those of
    the shared database's tables for the emails the run used."""
    emails = list(used.of_kinds(EMAIL_ADDRESS))
    hashes = await _hashes(db, emails)
    identity = await asyncpg.connect(service_databases["identity"])
    try:
        hashes += await _hashes(identity, None)
    finally:
        await identity.close()
    return hashes


async def _hashes(conn: asyncpg.Pool | asyncpg.Connection, emails: list[str] | None) -> list[str]:
    columns = await conn.fetch(
        """
        SELECT table_schema, table_name,
               bool_or(column_name = 'email') AS has_email
        FROM information_schema.columns
        WHERE column_name IN ('password_hash', 'email')
          AND table_schema NOT IN ('pg_catalog', 'information_schema')
        GROUP BY table_schema, table_name
        HAVING bool_or(column_name = 'password_hash')
        """
    )
    found: list[str] = []
    for table in columns:
        name = f'"{table["table_schema"]}"."{table["table_name"]}"'
        if emails is None:
            rows = await conn.fetch(f"SELECT password_hash FROM {name}")
        elif table["has_email"]:
            rows = await conn.fetch(
                f"SELECT password_hash FROM {name} WHERE email = ANY($1::text[])",
                emails,
            )
        else:
            continue
        found += [row["password_hash"] for row in rows if row["password_hash"]]
    return found
