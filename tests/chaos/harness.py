"""What both chaos runs share: the check that the repo's own services run, a load with its
users and courses ready, the wait until everything the storm left in flight has settled,
and the checks of what it left behind."""

from __future__ import annotations

import asyncio
import contextlib
import re
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest

from azora.settings import Settings
from schemas.learning import UserRoleGranted
from stack.lag.report import LagJudge
from stack.lag.sampling import LagSampler
from tests.chaos.checks import Findings, check, final_statuses
from tests.chaos.load import POSTGRES_RESTARTING, Load
from tests.chaos.stack import REPO, ChaosStack
from tests.support.world import World


def own_services_run() -> None:
    for script in ("kafka/kafka.sh", "postgres/postgres.sh"):
        status = subprocess.run([str(REPO / "infra" / script), "status"], capture_output=True)
        if status.returncode != 0:
            pytest.fail(
                f"the chaos suite restarts the repo's own Kafka and Postgres: "
                f"infra/{script} status says they are not running (run `make up`)"
            )


# The chaos suite's fixture (conftest.py): starts the stack with this many instances of each.
StartStack = Callable[[int], Awaitable[ChaosStack]]

# Free, cheap and dear: enrolments take every path (none, the wallet, a refusal).
COURSE_PRICES = [0, 1_500, 4_000]


@contextlib.asynccontextmanager
async def a_load(stack: ChaosStack, users: int) -> AsyncIterator[Load]:
    """A load on the running `stack`: `users` signed up, an instructor's courses published."""
    world = stack.world
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:
        load = Load(
            http,
            world.settings.database_url,
            world.settings.required_secret("stripe_webhook_secret"),
            seed=uuid.uuid4().hex,
        )
        await load.sign_up(users)
        instructor = await an_instructor(load, world)
        await load.publish_courses(instructor, COURSE_PRICES)
        yield load


async def checked(world: World, load: Load) -> Findings:
    """What must hold once the storm has settled, counted from the database and the log."""
    db = await asyncpg.connect(world.settings.database_url)
    try:
        return await check(db, world, load.tally.accepted, load.tally.top_ups_confirmed_minor)
    finally:
        await db.close()


async def an_instructor(load: Load, world: World) -> dict[str, str]:
    await load.sign_up(1)
    teacher = load.users.pop()
    # What `azora grant-role` publishes, without a CLI process to start on a busy machine.
    granted = UserRoleGranted(
        user_id=teacher.user_id,
        role="instructor",
        granted_by="test:chaos",
        granted_at=datetime.now(UTC),
    )
    await world.publish([granted], actor=granted.granted_by)
    conn = await asyncpg.connect(world.settings.database_url)
    deadline = time.monotonic() + 180
    try:
        while "instructor" not in (
            await conn.fetchval("SELECT roles FROM read.users WHERE user_id = $1", teacher.user_id)
            or []
        ):
            assert time.monotonic() < deadline, "the instructor role never reached read.users"
            await asyncio.sleep(0.2)
    finally:
        await conn.close()
    tokens = await load.http.post(
        "/v1/auth/login", json={"email": teacher.email, "password": "correct horse battery staple"}
    )
    assert tokens.status_code == 200, tokens.text
    return {"Authorization": f"Bearer {tokens.json()['access_token']}"}


async def settled(settings: Settings, full: bool, accepted: dict[uuid.UUID, str]) -> None:
    """Wait until every command has an outcome, the outbox is empty and no group lags."""
    deadline = time.monotonic() + (900 if full else 300)
    sampler = LagSampler(
        settings.kafka_bootstrap_servers,
        re.compile(f"^{re.escape(settings.topic_prefix)}"),
    )
    await sampler.start()
    judge = LagJudge(window=2)
    quiet = 0
    try:
        while time.monotonic() < deadline:
            try:
                db = await asyncpg.connect(settings.database_url)
                try:
                    settled = await final_statuses(db, accepted)
                    pending = sum(1 for c in accepted if settled.get(c) in (None, "pending"))
                    outbox = await db.fetchval(
                        "SELECT count(*) FROM azora.outbox WHERE topic LIKE $1",
                        settings.topic_prefix + "%",
                    )
                finally:
                    await db.close()
                lag = sum(r.total_lag for r in judge.observe(await sampler.sample()))
            except POSTGRES_RESTARTING:
                await asyncio.sleep(1)
                continue
            quiet = quiet + 1 if pending == outbox == lag == 0 else 0
            if quiet >= 3:
                return
            await asyncio.sleep(1)
        raise AssertionError(f"not settled: {pending} pending, outbox {outbox}, lag {lag}")
    finally:
        await sampler.close()
