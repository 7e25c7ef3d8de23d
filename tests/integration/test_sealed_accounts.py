"""An account's email and name travel sealed: no topic holds them in clear, the ingress
signs the user in with what the read models keep, and once the user is erased a rebuild
of the users projection writes none of their details back."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import httpx
import pytest

from schemas.catalogue import CATALOGUE, USER_CREDENTIALS_SET, USER_REGISTERED_V3
from stack import composition
from stack.rebuild.runner import ProjectionRebuild
from tests.support import topic_scan
from tests.support.world import World, eventually, running

pytestmark = pytest.mark.integration

PASSWORD = "a long enough passphrase 42"


async def signed_up(http: httpx.AsyncClient, email: str, name: str) -> dict[str, str]:
    """Register through the ingress, wait for the account, and log in."""
    accepted = await http.post(
        "/v1/auth/register", json={"email": email, "password": PASSWORD, "display_name": name}
    )
    assert accepted.status_code == 202, accepted.text
    done = await http.get(accepted.json()["status_url"], params={"wait": 30})
    assert done.json()["status"] == "succeeded", done.text
    return await logged_in(http, email)


async def logged_in(http: httpx.AsyncClient, email: str) -> dict[str, str]:
    tokens = await http.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert tokens.status_code == 200, tokens.text
    return {"Authorization": f"Bearer {tokens.json()['access_token']}"}


async def rows_naming(db: asyncpg.Connection, email: str, name: str) -> int:
    count: int = await db.fetchval(
        """
        SELECT (SELECT count(*) FROM read.users WHERE email = $1 OR display_name = $2)
             + (SELECT count(*) FROM read.credentials WHERE email = $1)
        """,
        email,
        name,
    )
    return count


async def test_accounts_are_sealed_on_the_log_and_an_erased_one_stays_out_of_a_rebuild(
    private_world: World,
) -> None:
    world = private_world
    run = uuid.uuid4().hex[:10]
    erased_email, erased_name = f"erased-{run}@example.org", f"Erased Person {run}"
    kept_email, kept_name = f"kept-{run}@example.org", f"Kept Person {run}"
    services = composition.services(world.settings)
    app = composition.ingress_app(world.settings)
    db = await asyncpg.connect(world.settings.database_url)
    async with (
        running(world, *services["identity"], *services["projections"]),
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://i") as http,
    ):
        # Signing in checks the password against `read.credential_secrets` (the ingress
        # reads no other service's tables: tests/unit/test_services_own_schemas.py).
        erased_auth = await signed_up(http, erased_email, erased_name)
        await signed_up(http, kept_email, kept_name)
        me = await http.get("/v1/me", headers=erased_auth)
        assert (me.json()["email"], me.json()["display_name"]) == (erased_email, erased_name)

        topics = [world.names.physical(spec) for spec in CATALOGUE]
        topics += [world.names.dlq(spec) for spec in CATALOGUE]
        clear = {erased_email: "email", erased_name: "display name"}
        clear |= {kept_email: "email", kept_name: "display name"}
        scan = await topic_scan.scan(world.settings, topics, clear)
        assert [str(finding) for finding in scan.findings] == []
        written = {world.names.physical(USER_REGISTERED_V3)}
        written |= {world.names.physical(USER_CREDENTIALS_SET)}
        assert written <= scan.topics_with_records

        erasure = await http.request(
            "DELETE", "/v1/me", json={"password": PASSWORD}, headers=erased_auth
        )
        assert erasure.status_code == 202, erasure.text
        done = await http.get(erasure.json()["status_url"], params={"wait": 30})
        assert done.json()["status"] == "succeeded", done.text
        await eventually(lambda: _none(rows_naming(db, erased_email, erased_name)))

        rebuild = ProjectionRebuild(
            world.settings,
            composition.projections(world.settings)["users"],
            world.names,
            max_batch=50,
            verify=True,
        )
        outcome = await rebuild.run(asyncio.Event())

        assert outcome is not None
        assert "credential_secrets" in outcome.checksums
        for live, rebuilt in outcome.checksums.values():
            assert live == rebuilt
        assert await rows_naming(db, erased_email, erased_name) == 0
        assert await rows_naming(db, kept_email, kept_name) == 2
        # The rebuilt tables still sign the other user in, and only them.
        await logged_in(http, kept_email)
        refused = await http.post(
            "/v1/auth/login", json={"email": erased_email, "password": PASSWORD}
        )
        assert refused.status_code == 401
    await db.close()


async def _none(count: object) -> bool:
    return await count == 0  # type: ignore[misc]
