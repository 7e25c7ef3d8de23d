"""Bad input on the real broker: every kind lands in the DLQ with its reason, the partition
keeps flowing, the dead_letters projection shows it, and a fixed one is re-driven once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
import pytest

from azora import kafka
from azora.consume import dead_letters
from azora.consume.errors import PermanentError
from azora.consume.service import Service
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event, build_envelope, encode, headers_from_json
from consumers.projections.dead_letters import DEAD_LETTERS
from schemas import catalogue
from schemas.envelope import utcnow
from schemas.registration import UserRegistrationRequested
from tests.support.registrations import on_registration_requested
from tests.support.world import World, eventually, running

pytestmark = pytest.mark.integration

SPEC = catalogue.USER_REGISTRATION_REQUESTED
HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"
# Every record on one key, so one partition: each bad record sits between good ones.
KEY = b"one-partition"
LIMIT = 64 * 1024
# A record as sent: its value and headers.
Record = tuple[bytes, tuple[tuple[str, bytes], ...]]


def registration(name: str = "Ada") -> UserRegistrationRequested:
    return UserRegistrationRequested(
        user_id=uuid.uuid4(),
        email=f"{uuid.uuid4().hex[:12]}@example.org",
        display_name=name,
        password_hash=HASH,
    )


def valid(world: World, command: UserRegistrationRequested) -> Record:
    message = encode(SPEC, build_envelope(SPEC, command, actor="test"), KEY, world.names)
    return message.value, message.headers


async def produce(world: World, records: Sequence[Record | bytes]) -> None:
    """Send values (with their headers, if any) in order to one partition."""
    producer = kafka.make_producer(world.settings, "test")
    await producer.start()
    try:
        for record in records:
            value, headers = record if isinstance(record, tuple) else (record, ())
            await producer.send_and_wait(
                world.names.physical(SPEC), value, key=KEY, headers=list(headers)
            )
    finally:
        await producer.stop()


def envelope(payload: dict[str, Any], *, type_: str = SPEC.type, version: int = 1) -> bytes:
    return json.dumps(
        {
            "event_id": str(uuid.uuid4()),
            "type": type_,
            "schema_version": version,
            "occurred_at": utcnow().isoformat(),
            "correlation_id": str(uuid.uuid4()),
            "actor": "test",
            "payload": payload,
        }
    ).encode()


def payload(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = registration().model_dump(mode="json")
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


OVERSIZED = envelope(payload(display_name="big")).replace(
    b'"actor"', b'"pad": "' + b"x" * 100_000 + b'", "actor"'
)

# What is fed in, and the reason its dead letter must give.
BAD: list[tuple[str, bytes, str]] = [
    ("garbage bytes", b"\x00\xff\xfe not an envelope", "invalid envelope: "),
    (
        "a newer schema version",
        envelope(payload(), version=99),
        "unknown schema_version 99 (this code reads up to 1)",
    ),
    (
        "a missing payload field",
        envelope(payload(password_hash=None)),
        "invalid UserRegistrationRequested payload: password_hash: Field required",
    ),
    (
        "the wrong type",
        envelope(payload(), type_="UserRegistered"),
        "type 'UserRegistered' does not belong on user.registration_requested",
    ),
    (
        "an oversized record",
        OVERSIZED,
        f"record of {len(OVERSIZED)} bytes exceeds the limit of {LIMIT}",
    ),
    (
        "a field longer than the model allows",
        envelope(payload(display_name="x" * 101)),
        "display_name: String should have at most 100 characters",
    ),
]


class Refusing:
    """Registers users, except those called "poison" while `refusing` (a bug, then fixed)."""

    def __init__(self) -> None:
        self.refusing = True
        self.service = Service(name=f"test-{uuid.uuid4().hex[:8]}", handlers={SPEC: self.handle})

    async def handle(self, events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        if self.refusing and any(e.payload.display_name == "poison" for e in events):
            raise PermanentError("poison is not a name")
        await on_registration_requested(events, uow)


async def accounts_with(db: asyncpg.Pool, emails: Sequence[str]) -> int:
    count: int = await db.fetchval(
        "SELECT count(*) FROM identity.accounts WHERE email = ANY($1::text[])", list(emails)
    )
    return count


async def dead_letter_rows(db: asyncpg.Pool, world: World) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await db.fetch(
        "SELECT * FROM read.dead_letters WHERE dlq_topic = $1 ORDER BY origin_offset",
        world.names.dlq(SPEC),
    )
    return rows


async def test_each_kind_of_bad_input_is_dead_lettered_with_its_reason_and_the_rest_applied(
    world: World, db: asyncpg.Pool
) -> None:
    world.settings = world.settings.model_copy(update={"consumer_max_record_bytes": LIMIT})
    poison = registration("poison")
    goods = [registration() for _ in range(len(BAD) + 2)]
    records: list[Record | bytes] = [valid(world, goods[0])]
    for (_, bad, _), good in zip(BAD, goods[1:], strict=False):
        records += [bad, valid(world, good)]
    records += [valid(world, poison), valid(world, goods[-1])]
    await produce(world, records)
    consumer = Refusing()

    async with running(world, consumer.service, DEAD_LETTERS):
        letters = await world.wait_for_records(world.names.dlq(SPEC), len(BAD) + 1)
        emails = [g.email for g in goods]
        await eventually(lambda: _equals(accounts_with(db, emails), len(goods)))
        await eventually(lambda: _count(dead_letter_rows(db, world), len(BAD) + 1))

    assert len(letters) == len(BAD) + 1, "one dead letter per bad record, none twice"
    assert await accounts_with(db, [poison.email]) == 0
    group = world.names.group(consumer.service.name)
    by_offset = sorted(letters, key=lambda r: int(dict(r.headers)[dead_letters.ORIGIN_OFFSET]))
    for n, ((what, bad, reason), letter) in enumerate(zip(BAD, by_offset, strict=False)):
        headers = {k: v.decode() for k, v in letter.headers}
        assert reason in headers[dead_letters.ERROR], what
        assert headers[dead_letters.ERROR_KIND] == "decode", what
        assert headers[dead_letters.ORIGIN_OFFSET] == str(2 * n + 1), what
        assert headers[dead_letters.GROUP] == group, what
        assert letter.value == bad, f"{what}: the dead letter keeps the record as it was"
        assert letter.key == KEY
    poisoned = {k: v.decode() for k, v in by_offset[-1].headers}
    assert poisoned[dead_letters.ERROR_KIND] == "permanent"
    assert "PermanentError: poison is not a name" in poisoned[dead_letters.ERROR]

    rows = await dead_letter_rows(db, world)
    assert [r["error_kind"] for r in rows] == ["decode"] * len(BAD) + ["permanent"]
    for (what, bad, reason), row in zip(BAD, rows, strict=False):
        assert reason in row["error"], what
        assert row["origin_topic"] == world.names.physical(SPEC)
        assert row["group_id"] == group
        assert row["value"] == bad
        assert row["redriven_at"] is None
    assert rows[-1]["event_type"] == SPEC.type, "event id and type come from the headers"
    assert rows[-1]["event_id"] is not None


async def test_a_fixed_dead_letter_is_redriven_from_the_cli_and_applied_exactly_once(
    world: World, db: asyncpg.Pool
) -> None:
    poison = registration("poison")
    after = registration()
    await produce(world, [valid(world, poison), b"garbage", valid(world, after)])
    consumer = Refusing()
    registered = world.names.physical(catalogue.USER_REGISTERED_V3)

    async with running(world, consumer.service, DEAD_LETTERS):
        await eventually(lambda: _count(dead_letter_rows(db, world), 2))
        await eventually(lambda: accounts_with(db, [after.email]))
        rows = await dead_letter_rows(db, world)
        poisoned, garbage = (str(row["id"]) for row in rows)

        listed = azora(world, "dlq", "list", "--topic", SPEC.name, "--pending")
        assert poisoned[:8] in listed
        assert garbage[:8] in listed
        scripted = json.loads(
            azora(world, "dlq", "list", "--topic", SPEC.name, "--pending", "--output", "json")
        )
        assert {row["id"] for row in scripted} == {poisoned, garbage}
        assert {row["error_kind"] for row in scripted} >= {"permanent"}
        shown = azora(world, "dlq", "show", poisoned)
        assert "PermanentError: poison is not a name" in shown
        assert '"display_name": "poison"' in shown, "a JSON value is pretty-printed"
        assert "garbage" in azora(world, "dlq", "show", garbage)

        consumer.refusing = False  # the fix is deployed
        assert "1 dead letter(s) re-driven" in azora(world, "dlq", "redrive", poisoned)
        await eventually(lambda: accounts_with(db, [poison.email]))
        await eventually(lambda: _redriven(db, poisoned))
        # A second re-drive of the same event: the group's inbox drops it.
        azora(world, "dlq", "redrive", poisoned)
        await eventually(lambda: _count(world.read_all(registered), 2))
        # The garbage is still garbage: it fails again, as a new dead letter linked to it.
        azora(world, "dlq", "redrive", "--topic", SPEC.name)
        await eventually(lambda: _count(dead_letter_rows(db, world), 3))
        pending = azora(world, "dlq", "list", "--pending")

    assert await accounts_with(db, [poison.email]) == 1
    outcomes = await world.read_all(registered)
    assert len(outcomes) == 2, "the poison's registration and the one after it, once each"
    row = await db.fetchrow("SELECT * FROM read.dead_letters WHERE id = $1", uuid.UUID(poisoned))
    assert row is not None
    assert row["redriven_by"].startswith("cli:")
    again = (await dead_letter_rows(db, world))[-1]
    assert again["error_kind"] == "decode"
    headers = dict(headers_from_json(json.loads(again["headers"])))
    assert headers[dead_letters.REDRIVEN_FROM] == garbage.encode(), "it links to the old one"
    rejected = await world.read_all(world.names.physical(catalogue.USER_REGISTRATION_REJECTED_V2))
    assert rejected == [], "the second re-drive was not applied again"
    assert str(again["id"])[:8] in pending
    assert poisoned[:8] not in pending
    redriven = await db.fetch(
        "SELECT * FROM read.dead_letters WHERE dlq_topic = $1 AND redriven_at IS NOT NULL",
        world.names.dlq(SPEC),
    )
    assert {str(r["id"]) for r in redriven} == {poisoned, garbage}


def azora(world: World, *args: str) -> str:
    """Run the `azora` command in this world's namespace; its output."""
    env = {
        **os.environ,
        "AZORA_TOPIC_PREFIX": world.settings.topic_prefix,
        "AZORA_KAFKA_BOOTSTRAP_SERVERS": world.settings.kafka_bootstrap_servers,
        "AZORA_DATABASE_URL": world.settings.database_url,
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [sys.executable, "-m", "stack", *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def _redriven(db: asyncpg.Pool, dead_letter_id: str) -> bool:
    at = await db.fetchval(
        "SELECT redriven_at FROM read.dead_letters WHERE id = $1", uuid.UUID(dead_letter_id)
    )
    return at is not None


async def _equals(value: Any, expected: Any) -> bool:
    return bool(await value == expected)


async def _count(value: Any, expected: int) -> bool:
    return len(await value) >= expected
