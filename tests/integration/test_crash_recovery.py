"""A consumer SIGKILLed at random points of its batches leaves exactly one effect per event."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import asyncpg
import pytest

from schemas import catalogue
from schemas.registration import UserRegistrationRequested
from tests.support.processes import spawn
from tests.support.world import World, eventually, running

pytestmark = pytest.mark.integration

EVENTS = 20_000
KILLS = 10
# At least this many kills must land before the work is done, or the test proves little.
MIN_KILLS_MID_WORK = 8
HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"


def identity_process(world: World, log: Path | None = None) -> subprocess.Popen[bytes]:
    """`azora consume identity` in this world, with small batches so kills land mid-batch."""
    env = {
        **os.environ,
        "AZORA_TOPIC_PREFIX": world.settings.topic_prefix,
        "AZORA_DATABASE_URL": world.settings.database_url,
        "AZORA_KAFKA_BOOTSTRAP_SERVERS": world.settings.kafka_bootstrap_servers,
        "AZORA_CONSUMER_MAX_BATCH": "20",
        "AZORA_CONSUMER_SESSION_TIMEOUT_MS": "6000",
        "AZORA_CONSUMER_HEARTBEAT_MS": "1000",
        "AZORA_LOG_LEVEL": "INFO" if log else "WARNING",
    }
    command = [sys.executable, "-m", "stack", "consume", "identity"]
    if log is None:
        return spawn(command, env)
    with log.open("wb") as sink:
        return spawn(command, env, sink)


async def applied(db: asyncpg.Pool, emails: list[str]) -> int:
    count: int = await db.fetchval(
        "SELECT count(*) FROM identity.accounts WHERE email = ANY($1::text[])", emails
    )
    return count


async def consumed(db: asyncpg.Pool, group: str) -> int:
    """Records the group has committed (its stored next offsets; the topic starts at 0)."""
    value = await db.fetchval(
        "SELECT coalesce(sum(next_offset), 0) FROM azora.consumer_offsets WHERE group_id = $1",
        group,
    )
    return int(value)


async def test_a_consumer_killed_mid_batch_again_and_again_applies_each_event_once(
    world: World, db: asyncpg.Pool, tmp_path: Path
) -> None:
    run = uuid.uuid4().hex[:8]
    commands = [
        UserRegistrationRequested(
            user_id=uuid.uuid4(),
            email=f"kill-{run}-{i}@example.org",
            display_name=f"user {i}",
            password_hash=HASH,
        )
        for i in range(EVENTS)
    ]
    emails = [c.email for c in commands]
    envelopes = await world.publish(commands)
    rng = random.Random(run)
    progress = []

    async with running(world):  # the relay only: identity runs (and dies) in subprocesses
        group = world.names.group("identity")
        done = 0
        for _ in range(KILLS):
            floor = await consumed(db, group)
            process = identity_process(world)
            # Once it is committing batches, kill it at a random moment among them. Its
            # stored offsets show a committed batch at once (counting the accounts of
            # 20,000 emails took long enough for thousands more to be applied meanwhile).
            await eventually(
                lambda floor=floor: _above(consumed(db, group), floor),  # type: ignore[misc]
                timeout=120,
                interval=0.005,
            )
            # Within a few batches: a consumer gets through thousands of events a second,
            # and most kills must land before the work is done.
            await asyncio.sleep(rng.uniform(0.0, 0.02))
            process.send_signal(signal.SIGKILL)
            process.wait()
            done = await applied(db, emails)
            progress.append(done)
            if done == EVENTS:
                break
        survivor_log = tmp_path / "survivor.log"
        survivor = identity_process(world, survivor_log)
        try:
            await eventually(lambda: _all(applied(db, emails), EVENTS), timeout=180)
            # SIGTERM once it is in its loop (before that, Python's default handler applies).
            await eventually(lambda: _contains(survivor_log, "identity: assigned"), timeout=60)
        finally:
            survivor.send_signal(signal.SIGTERM)
            assert survivor.wait(timeout=60) == 0, "SIGTERM ends the consumer cleanly"
        registered = await world.wait_for_records(
            world.names.physical(catalogue.USER_REGISTERED_V3), EVENTS, timeout=60
        )

    print(f"\naccounts applied after each of {KILLS} kills: {progress}")
    mid_work = [count for count in progress if count < EVENTS]
    assert len(mid_work) >= MIN_KILLS_MID_WORK, f"too few kills landed mid-work: {progress}"
    assert await applied(db, emails) == EVENTS
    causes = Counter(json.loads(r.value)["causation_id"] for r in registered)
    assert len(registered) == EVENTS, "one user.registered per request, no more"
    assert set(causes) == {str(e.event_id) for e in envelopes}
    rejected = await world.read_all(world.names.physical(catalogue.USER_REGISTRATION_REJECTED_V2))
    assert rejected == [], "no request was applied twice (a second apply would be rejected)"


async def _contains(path: Path, text: str) -> bool:
    return await asyncio.to_thread(lambda: path.exists() and text in path.read_text())


async def _above(value: object, floor: int) -> bool:
    return bool(await value > floor)  # type: ignore[operator]


async def _all(value: object, expected: int) -> bool:
    return bool(await value == expected)  # type: ignore[misc]
