"""Reading back each command's marks after an end-to-end run (bench/hops.py names them).

From Kafka: the command records (their envelopes' `occurred_at`) and the outcome records
(their timestamps and the command each correlates with). From Postgres: the wallet's
inbox rows and the settled `read.command_status` rows, with their transactions' commit
times when Postgres keeps them. From the clients: everything they saw. All as seconds on
the wall clock; the clients' `perf_counter` marks are moved onto it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable
from datetime import datetime

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from azora.settings import Settings
from azora.topics import TopicNames
from bench.hops import consistent
from bench.stack_load import Timings
from schemas.catalogue import (
    WALLET_TRANSFER_COMPLETED,
    WALLET_TRANSFER_REJECTED,
    WALLET_TRANSFER_REQUESTED,
)

WALLET_INBOX = """
SELECT event_id::text AS command, received_at AS began, {committed} AS committed
FROM azora.inbox WHERE group_id = $1
"""
SETTLED = """
SELECT command_id::text AS command, updated_at AS began, {committed} AS committed
FROM read.command_status WHERE status <> 'pending'
"""


async def collect(
    settings: Settings, names: TopicNames, timings: Timings
) -> dict[str, dict[str, float]]:
    """Every accepted command's marks (command id → mark → wall-clock seconds)."""
    offset = time.time() - time.perf_counter()
    marks: dict[str, dict[str, float]] = {c: {} for c in timings.accepted}
    client = {
        "posted": timings.sent,
        "accepted": timings.accepted,
        "notified": timings.visible,
        "answered": asked_before_settled(timings),
    }
    for mark, seen in client.items():
        _note(marks, mark, ((c, at + offset) for c, at in seen.items()))
    commands = await _records(settings, [names.physical(WALLET_TRANSFER_REQUESTED)])
    _note(marks, "built", ((str(e["event_id"]), _wall(e["occurred_at"])) for e, _ in commands))
    outcomes = await _records(
        settings,
        [names.physical(WALLET_TRANSFER_COMPLETED), names.physical(WALLET_TRANSFER_REJECTED)],
    )
    _note(marks, "relayed", ((str(e["correlation_id"]), ms / 1000) for e, ms in outcomes))
    conn = await asyncpg.connect(settings.database_url)
    try:
        committed = (
            "pg_xact_commit_timestamp(xmin)"
            if await conn.fetchval("SHOW track_commit_timestamp") == "on"
            else "NULL::timestamptz"
        )
        wallet = await conn.fetch(WALLET_INBOX.format(committed=committed), names.group("wallet"))
        settled = await conn.fetch(SETTLED.format(committed=committed))
    finally:
        await conn.close()
    _note_rows(marks, "wallet", wallet)
    _note_rows(marks, "projection", settled)
    for seen in marks.values():
        if not consistent(seen):
            seen.pop("projection_began", None)
            seen.pop("projection_committed", None)
    return marks


def asked_before_settled(timings: Timings) -> dict[str, float]:
    """The waiters' answers for GETs that went out before the outcome's NOTIFY: those that
    really waited (a GET sent later answers at once, timing the request, not the waiter)."""
    return {
        command: at
        for command, at in timings.answered.items()
        if command in timings.visible and timings.asked[command] < timings.visible[command]
    }


def _note(marks: dict[str, dict[str, float]], mark: str, seen: Iterable[tuple[str, float]]) -> None:
    for command, at in seen:
        if command in marks:
            marks[command].setdefault(mark, at)


def _note_rows(
    marks: dict[str, dict[str, float]], service: str, rows: Iterable[asyncpg.Record]
) -> None:
    for row in rows:
        seen = marks.get(str(row["command"]))
        if seen is None:
            continue
        for suffix in ("began", "committed"):
            at = row[suffix]
            if isinstance(at, datetime):
                seen[f"{service}_{suffix}"] = at.timestamp()


def _wall(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


async def _records(settings: Settings, topics: list[str]) -> list[tuple[dict[str, str], int]]:
    """Every record of `topics` so far: its envelope (as JSON) and its timestamp in ms."""
    # No group: every partition of the topics is assigned to this one reader.
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        partitions = await _assigned(consumer)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(list(partitions))
        found: list[tuple[dict[str, str], int]] = []
        while await _behind(consumer, end):
            batches = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            found += [_envelope(record) for records in batches.values() for record in records]
        return found
    finally:
        await consumer.stop()


async def _assigned(consumer: AIOKafkaConsumer) -> set[TopicPartition]:
    """The partitions, once the consumer's first metadata has named them."""
    deadline = time.monotonic() + 60
    while not (partitions := consumer.assignment()):
        if time.monotonic() > deadline:
            raise RuntimeError("no partitions assigned within 60 s")
        await asyncio.sleep(0.1)
    return set(partitions)


async def _behind(consumer: AIOKafkaConsumer, end: dict[TopicPartition, int]) -> bool:
    for partition, last in end.items():
        if await consumer.position(partition) < last:
            return True
    return False


def _envelope(record: ConsumerRecord[bytes, bytes]) -> tuple[dict[str, str], int]:
    assert record.value is not None
    envelope: dict[str, str] = json.loads(record.value)
    return envelope, record.timestamp
