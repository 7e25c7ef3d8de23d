"""`azora replay export` on the real broker: personal fields redacted unless asked, and audited."""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pyarrow.parquet as pq
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from azora import kafka
from azora.settings import Settings
from schemas import catalogue
from schemas.registration import UserRegistrationRequestedV2
from stack.replay.redaction import REDACTED
from tests.integration.test_replay_export import kcat
from tests.support.world import World, new_world

pytestmark = pytest.mark.integration

SPEC = catalogue.USER_REGISTRATION_REQUESTED_V2  # keyed by email
REGISTRATIONS = 5


@dataclass(frozen=True)
class Registrations:
    world: World
    topic: str
    emails: list[str]
    user_ids: list[str]


@pytest.fixture(scope="module")
async def registrations(base_settings: Settings) -> AsyncIterator[Registrations]:
    world = new_world(base_settings)
    topic = world.names.physical(SPEC)
    admin = AIOKafkaAdminClient(bootstrap_servers=world.settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, SPEC.partitions, 1)])
    finally:
        await admin.close()
    run = uuid.uuid4().hex[:8]
    payloads = [
        UserRegistrationRequestedV2(
            user_id=uuid.uuid4(),
            email=f"ada-{run}-{n}@example.org",
            display_name=f"Ada {run} {n}",
            sealed_password_hash="s" * 60,
        )
        for n in range(REGISTRATIONS)
    ]
    await world.publish(payloads)
    try:
        yield Registrations(
            world,
            topic,
            [p.email for p in payloads],
            [str(p.user_id) for p in payloads],
        )
    finally:
        await kafka.delete_topics(world.settings, [topic])


async def run_export(
    registrations: Registrations, output: Path, *extra: str
) -> subprocess.CompletedProcess[bytes]:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": registrations.world.settings.kafka_bootstrap_servers,
        "DATABASE_URL": registrations.world.settings.database_url,
    }
    command = [sys.executable, "-m", "stack", "replay", "export", "--quiet"]
    command += ["--raw-topic", registrations.topic, "-o", str(output), *extra]
    return await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, timeout=120
    )


async def audits_of(db: asyncpg.Pool, topic: str, reason: str) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await db.fetch(
        "SELECT * FROM azora.personal_data_exports WHERE $1 = ANY(topics) AND reason = $2",
        topic,
        reason,
    )
    return rows


async def audit_count(db: asyncpg.Pool, topic: str) -> int:
    count: int = await db.fetchval(
        "SELECT count(*) FROM azora.personal_data_exports WHERE $1 = ANY(topics)", topic
    )
    return count


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_a_default_export_has_kcats_rows_with_the_emails_and_names_redacted(
    registrations: Registrations, db: asyncpg.Pool, tmp_path: Path
) -> None:
    output = tmp_path / "registrations.jsonl"
    audits_before = await audit_count(db, registrations.topic)
    done = await run_export(registrations, output)
    assert done.returncode == 0, done.stderr.decode()

    rows = read_jsonl(output)
    by_kcat = await kcat(registrations.world.settings, registrations.topic, ["beginning"])
    assert len(rows) == len(by_kcat) == REGISTRATIONS
    assert {(r["_partition"], r["_offset"]) for r in rows} == {
        (k["partition"], k["offset"]) for k in by_kcat
    }
    assert sorted(r["payload"]["user_id"] for r in rows) == sorted(registrations.user_ids)
    assert {r["payload"]["email"] for r in rows} == {REDACTED}
    assert {r["payload"]["display_name"] for r in rows} == {REDACTED}
    assert {r["_key"] for r in rows} == {REDACTED}
    text = output.read_text()
    assert not [email for email in registrations.emails if email in text]
    assert await audit_count(db, registrations.topic) == audits_before


async def test_a_default_parquet_export_holds_no_email_either(
    registrations: Registrations, tmp_path: Path
) -> None:
    output = tmp_path / "registrations.parquet"
    done = await run_export(registrations, output)
    assert done.returncode == 0, done.stderr.decode()
    table = pq.read_table(output).to_pydict()
    assert len(table["event_id"]) == REGISTRATIONS
    assert set(table["payload.email"]) == {REDACTED}
    assert not [email for email in registrations.emails if email.encode() in output.read_bytes()]


async def test_an_export_in_clear_without_a_reason_is_refused_and_writes_nothing(
    registrations: Registrations, db: asyncpg.Pool, tmp_path: Path
) -> None:
    output = tmp_path / "refused.jsonl"
    audits_before = await audit_count(db, registrations.topic)
    done = await run_export(registrations, output, "--include-personal-data", "--reason", " ")
    assert done.returncode == 2
    assert "needs --reason" in done.stderr.decode()
    assert not output.exists()
    assert await audit_count(db, registrations.topic) == audits_before


async def test_an_export_in_clear_shows_the_emails_and_is_audited_first(
    registrations: Registrations, db: asyncpg.Pool, tmp_path: Path
) -> None:
    output = tmp_path / "clear.jsonl"
    reason = f"DPO ticket {uuid.uuid4().hex[:6]}: subject access request"
    done = await run_export(
        registrations,
        output,
        "--include-personal-data",
        "--reason",
        reason,
        "--operator",
        "dana",
    )
    assert done.returncode == 0, done.stderr.decode()

    rows = read_jsonl(output)
    assert sorted(r["payload"]["email"] for r in rows) == sorted(registrations.emails)
    assert sorted(r["_key"] for r in rows) == sorted(registrations.emails)
    [audit] = await audits_of(db, registrations.topic, reason)
    assert audit["os_user"] == getpass.getuser()
    assert audit["operator"] == "dana"
    assert audit["reason"] == reason
    assert list(audit["topics"]) == [registrations.topic]
    assert (audit["window_from"], audit["window_to"]) == ("earliest", "latest")
    assert audit["exported_at"] is not None
    said = done.stderr.decode()
    assert f"personal data exported in clear (audit {audit['id']})" in said
    assert reason in said
