"""What both chaos runs share: the check that the repo's own services run, an instructor,
and the wait until everything the storm left in flight has settled."""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from azora.settings import Settings
from schemas.learning import UserRoleGranted
from stack.lag.report import LagJudge
from stack.lag.sampling import LagSampler
from tests.chaos.checks import final_statuses
from tests.chaos.load import POSTGRES_RESTARTING, Load
from tests.chaos.stack import REPO
from tests.support.world import World


def own_services_run() -> None:
    for script in ("kafka/kafka.sh", "postgres/postgres.sh"):
        status = subprocess.run([str(REPO / "infra" / script), "status"], capture_output=True)
        if status.returncode != 0:
            pytest.fail(
                f"the chaos suite restarts the repo's own Kafka and Postgres: "
                f"infra/{script} status says they are not running (run `make up`)"
            )


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
