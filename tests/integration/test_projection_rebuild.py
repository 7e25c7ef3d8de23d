"""A projection rebuilt from its topics equals the live one, and queries never stop."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import asyncpg
import httpx
import pytest

from schemas.registration import UserRegistrationRequested
from stack import composition
from stack.rebuild import versions
from stack.rebuild.listing import list_projections
from stack.rebuild.progress import Progress
from stack.rebuild.runner import ProjectionRebuild
from tests.support.world import World, eventually, running

pytestmark = pytest.mark.integration

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"
PASSWORD = "a long enough passphrase 42"


def registrations(count: int) -> list[UserRegistrationRequested]:
    run = uuid.uuid4().hex[:8]
    return [
        UserRegistrationRequested(
            user_id=uuid.uuid4(),
            email=f"rebuild-{run}-{i}@example.org",
            display_name=f"user {i}",
            password_hash=HASH,
        )
        for i in range(count)
    ]


async def users(db: asyncpg.Connection) -> int:
    count: int = await db.fetchval("SELECT count(*) FROM read.users")
    return count


def stopping_after(applied: int, stop: asyncio.Event) -> Callable[[Progress], None]:
    """A progress callback that stops the rebuild once `applied` events are in."""

    def check(progress: Progress) -> None:
        if progress.applied >= applied:
            stop.set()

    return check


async def test_a_rebuilt_projection_equals_the_live_one_while_queries_go_on(
    private_world: World,
) -> None:
    world = private_world
    services = composition.services(world.settings)
    app = composition.ingress_app(world.settings)
    db = await asyncpg.connect(world.settings.database_url)
    async with (
        running(world, *services["identity"], *services["projections"]),
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://i") as http,
    ):
        await eventually(lambda: _status(http.get("/readyz"), 200), timeout=30)
        me = await _signed_up(http)
        await world.publish(registrations(3_000))
        await eventually(lambda: _equals(users(db), 3_001), timeout=120)

        # Interrupted part-way, it leaves its shadow tables and offsets for the next run.
        stop = asyncio.Event()
        first = ProjectionRebuild(
            world.settings,
            composition.projections(world.settings)["users"],
            world.names,
            max_batch=100,
            on_progress=stopping_after(500, stop),
        )
        assert await first.run(stop) is None
        assert await versions.live_version(db, "users") == 1

        # Resumed while commands keep arriving and the ingress keeps answering.
        rebuild = ProjectionRebuild(
            world.settings,
            composition.projections(world.settings)["users"],
            world.names,
            max_batch=200,
            final_gap=100,
            verify=True,
        )
        task = asyncio.create_task(rebuild.run(asyncio.Event()))
        answers: list[int] = []
        arriving = registrations(1_000)
        for start in range(0, len(arriving), 100):
            await world.publish(arriving[start : start + 100])
            answers.append((await http.get("/v1/me", headers=me)).status_code)
        while not task.done():
            answers.append((await http.get("/v1/me", headers=me)).status_code)
            await asyncio.sleep(0.02)
        outcome = await task

        assert outcome is not None
        assert outcome.resumed
        assert outcome.shadow.version == 2
        assert set(outcome.checksums) == {
            "users",
            "credentials",
            "credential_secrets",
            "oidc_identities",
            "erased_users",
        }
        for live, rebuilt in outcome.checksums.values():
            assert live == rebuilt
        assert len(answers) >= 10
        assert set(answers) == {200}
        assert await versions.live_version(db, "users") == 2
        assert not await db.fetchval(
            "SELECT count(*) FROM pg_namespace WHERE nspname = $1", outcome.shadow.schema
        )

        # The live group goes on writing into the new tables, exactly once per event.
        await eventually(lambda: _equals(users(db), 4_001), timeout=120)
        later = await _signed_up(http)
        assert (await http.get("/v1/me", headers=later)).status_code == 200
        assert await users(db) == 4_002
        assert await db.fetchval("SELECT count(DISTINCT email) FROM read.users") == 4_002

        (listed,) = [
            p
            for p in await list_projections(
                world.settings, [composition.projections(world.settings)["users"]], world.names
            )
        ]
        assert listed.live_version == 2
        assert listed.building is None
        assert listed.live.lag == 0
    await db.close()


async def _signed_up(http: httpx.AsyncClient) -> dict[str, str]:
    email = f"rebuild-{uuid.uuid4().hex[:10]}@example.org"
    accepted = await http.post(
        "/v1/auth/register", json={"email": email, "password": PASSWORD, "display_name": "Ada"}
    )
    assert accepted.status_code == 202, accepted.text
    done = await http.get(accepted.json()["status_url"], params={"wait": 30})
    assert done.json()["status"] == "succeeded", done.text
    tokens = await http.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert tokens.status_code == 200, tokens.text
    return {"Authorization": f"Bearer {tokens.json()['access_token']}"}


async def _status(answer: object, code: int) -> bool:
    response = await answer  # type: ignore[misc]
    return bool(response.status_code == code)


async def _equals(value: object, expected: int) -> bool:
    return bool(await value == expected)  # type: ignore[misc]
