"""Benchmark "retention": the inbox, the outbox and the offsets table stay bounded while
load goes on (issue 21: costs stay flat as data grows).

The wallet service and the outbox relay run as `azora run` runs them, on a database of
their own, while wallet transfers between `USERS` funded users arrive at a steady `RATE`
for `SECONDS`. Every transfer leaves its id in the wallet's inbox and an event in its
outbox; the relay publishes and deletes the outbox rows, and, as the leader, deletes
inbox ids older than the retention every prune interval, beside its publishing. (The
projections' topics are replay-safe and claim no inbox ids.) Production keeps
seven days and prunes every minute, so a run of minutes would never see a round; the run
shortens both (`RETENTION_S`, `PRUNE_EVERY_S`), which settings refuse below an hour for
retention: the floor guards real duplicates, not the mechanism measured here.

Bounded means the run's end looks like its middle: once the retention has turned over,
the inbox's rows and the inbox's and outbox's sizes (indexes and TOAST included, dead rows
not yet vacuumed too) peak no higher in the last third of the run than in the middle
third. A table that only grew would read 1.5 (its size at the end over its size at two
thirds). The offsets table, a row per partition, is held to an absolute size.

Dead rows go only when autovacuum visits: the repo's Postgres visits every 10 s
(`infra/postgres/postgres.sh`); at the default minute the outbox swings by a minute of
the load's rows between visits.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import time
import uuid
from dataclasses import dataclass

import asyncpg

from azora.kafka import delete_topics
from azora.messages import OutgoingMessage, build_envelope, encode, message_key
from azora.settings import Settings
from azora.topic_setup import apply_topics
from azora.topics import TopicNames
from bench.databases import fresh_database
from bench.judging import all_met, at_most
from bench.open_loop import open_loop
from bench.produce import bench_producer
from bench.result import Result
from bench.stack_load import fund
from schemas.catalogue import WALLET_TRANSFER_REQUESTED
from schemas.wallet import WalletTransferRequested
from stack import composition, workers

log = logging.getLogger(__name__)

RATE = 500
SECONDS = 120
RETENTION_S = 20
PRUNE_EVERY_S = 10
# The last third's peak over the middle third's: 1.0 is flat, 1.5 is a table that only grows.
GOAL = 1.2
# The offsets table holds a row per partition, a few pages whose count moves by one page
# (8 KiB) at a time, too coarse for a ratio: it is held to an absolute size instead, which
# a table keeping every version of its rows would pass within the run (its updates are
# counted and shown beside it).
OFFSETS_GOAL_KIB = 256
SAMPLE_EVERY_S = 1.0

USERS = 100
SAMPLE = """
SELECT (SELECT count(*) FROM azora.inbox),
       pg_total_relation_size('azora.inbox'),
       pg_total_relation_size('azora.outbox'),
       (SELECT count(*) FROM azora.consumer_offsets),
       pg_total_relation_size('azora.consumer_offsets'),
       (SELECT n_tup_upd + n_tup_ins FROM pg_stat_user_tables
        WHERE schemaname = 'azora' AND relname = 'consumer_offsets')
"""


@dataclass(frozen=True)
class Sample:
    """The two tables at one moment of the run."""

    at_s: float
    inbox_rows: int
    inbox_bytes: int
    outbox_bytes: int
    offsets_rows: int
    offsets_bytes: int
    offsets_writes: int


def later_over_earlier(samples: list[Sample], field: str) -> float:
    """The peak of `field` over the run's last third, over its peak in the middle third."""
    end = samples[-1].at_s
    middle = [float(getattr(s, field)) for s in samples if end / 3 <= s.at_s < 2 * end / 3]
    last = [float(getattr(s, field)) for s in samples if s.at_s >= 2 * end / 3]
    if not middle or not last:
        raise ValueError("too few samples to compare the run's thirds")
    return max(last) / max(max(middle), 1.0)


async def run(rate: int = RATE, seconds: int = SECONDS) -> Result:
    """Load the wallet for `seconds` at `rate`, sampling the tables every second."""
    run_id = secrets.token_hex(4)
    names = TopicNames(prefix=f"bench-{run_id}.")
    base = Settings()
    async with fresh_database(base.database_url, label="retention") as url:
        # model_copy does not validate: the shortened retention passes the hour's floor.
        settings = base.model_copy(
            update={
                "topic_prefix": names.prefix,
                "database_url": url,
                "inbox_retention_s": RETENTION_S,
                "inbox_prune_interval_s": PRUNE_EVERY_S,
            }
        )
        await apply_topics(settings, names)
        stop = asyncio.Event()
        wallet = composition.services_for(settings, "wallet")
        running = [
            asyncio.create_task(workers.run_services(settings, wallet, stop)),
            asyncio.create_task(workers.run_relay(settings, stop)),
        ]
        conn = await asyncpg.connect(url)
        try:
            sampling = asyncio.create_task(_sample_until(conn, stop))
            users = [uuid.uuid4() for _ in range(USERS)]
            await fund(settings, names, users)
            await _steady_transfers(settings, names, users, rate, seconds)
            applied = await _applied(conn, names, rate * seconds)
            stop.set()
            samples = await sampling
        finally:
            stop.set()
            await asyncio.gather(*running, return_exceptions=True)
            await conn.close()
            await delete_topics(settings, names.all_physical())
    return _result(samples, rate, seconds, applied)


async def _steady_transfers(
    settings: Settings, names: TopicNames, users: list[uuid.UUID], rate: int, seconds: int
) -> None:
    producer = bench_producer(settings)
    await producer.start()

    async def send(i: int) -> None:
        m = _transfer(names, users[i % len(users)], users[(i + 1) % len(users)])
        await producer.send_and_wait(m.topic, m.value, key=m.key, headers=list(m.headers))

    try:
        await open_loop(rate, seconds, send)
    finally:
        await producer.stop()


def _transfer(names: TopicNames, giver: uuid.UUID, taker: uuid.UUID) -> OutgoingMessage:
    payload = WalletTransferRequested(
        transfer_id=uuid.uuid4(),
        from_user_id=giver,
        to_user_id=taker,
        amount_minor=1,
        currency="EUR",
    )
    envelope = build_envelope(WALLET_TRANSFER_REQUESTED, payload, actor="bench")
    key = message_key(WALLET_TRANSFER_REQUESTED, payload)
    return encode(WALLET_TRANSFER_REQUESTED, envelope, key, names)


async def _sample_until(conn: asyncpg.Connection, stop: asyncio.Event) -> list[Sample]:
    samples: list[Sample] = []
    started = time.monotonic()
    while not stop.is_set():
        row = await conn.fetchrow(SAMPLE)
        assert row is not None
        samples.append(Sample(time.monotonic() - started, *row))
        await asyncio.sleep(SAMPLE_EVERY_S)
    return samples


async def _applied(conn: asyncpg.Connection, names: TopicNames, events: int) -> int:
    """Wait (at most a minute) until the projection's stored offsets cover every event."""
    topic = names.physical(WALLET_TRANSFER_REQUESTED)
    group = names.group("wallet")
    deadline = time.monotonic() + 60
    while True:
        done: int = await conn.fetchval(
            "SELECT COALESCE(sum(next_offset), 0)::bigint FROM azora.consumer_offsets "
            "WHERE group_id = $1 AND topic = $2",
            group,
            topic,
        )
        if done >= events or time.monotonic() > deadline:
            return done
        await asyncio.sleep(0.5)


def _result(samples: list[Sample], rate: int, seconds: int, applied: int) -> Result:
    events = rate * seconds
    labels = {
        "inbox_rows": "inbox rows",
        "inbox_bytes": "inbox size",
        "outbox_bytes": "outbox size",
    }
    ratios = {field: later_over_earlier(samples, field) for field in labels}
    figures = [
        at_most(f"{label}: last third's peak / middle third's", round(ratios[f], 3), "", GOAL)
        for f, label in labels.items()
    ]
    last = samples[-1]
    figures.append(
        at_most(
            "offsets size at the end", round(last.offsets_bytes / 1024), "KiB", OFFSETS_GOAL_KIB
        )
    )
    figures.append(at_most("events not applied", events - applied, "", 0))
    peak = max(samples, key=lambda s: s.inbox_rows)
    return Result(
        name="retention",
        figure="inbox rows, last third's peak over the middle third's",
        value=round(ratios["inbox_rows"], 3),
        unit="",
        baseline="the same run's middle third",
        baseline_value=1.0,
        ratio=round(ratios["inbox_rows"], 4),
        goal=f"each ratio <= {GOAL}, offsets <= {OFFSETS_GOAL_KIB} KiB, every event applied",
        passed=all_met(figures),
        rows=[
            (
                "load",
                f"{events:,} wallet transfers among {USERS} users at {rate}/s for {seconds} s",
            ),
            ("retention / prune interval", f"{RETENTION_S} s / {PRUNE_EVERY_S} s"),
            ("inbox rows expected at most", f"{rate * (RETENTION_S + PRUNE_EVERY_S):,}"),
            ("inbox rows: peak / at the end", f"{peak.inbox_rows:,} / {last.inbox_rows:,}"),
            (
                "inbox / outbox size at the end",
                f"{last.inbox_bytes / 2**20:.1f} / {last.outbox_bytes / 2**20:.1f} MiB",
            ),
            (
                "offsets rows / size at the end",
                f"{last.offsets_rows} / {last.offsets_bytes / 1024:.0f} KiB",
            ),
            ("offsets rows written (inserts and updates)", f"{last.offsets_writes:,}"),
            ("events applied", f"{applied:,} of {events:,}"),
        ],
        details={"ratios": ratios, "samples": [dataclasses.astuple(s) for s in samples]},
        figures=figures,
    )
