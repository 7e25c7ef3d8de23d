"""Benchmark "projection throughput": the users projection through the real consume loop,
as a share of what a raw asyncpg batched upsert of the same rows achieves in the same run.

The ratio, not the absolute rate, is the figure to watch: both sides run one after the
other on the same machine, database and tables, so machine speed largely cancels out and
what remains is the loop's own cost (decode, inbox, offsets, Kafka) per event. The two
alternate for three rounds and the median round's ratio is the figure (see `run`).
"""

from __future__ import annotations

import gc
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from azora import db
from azora.settings import Settings
from azora.topic_setup import apply_topics
from azora.topics import TopicNames
from bench import cleanup
from bench.baseline import Baseline, baseline
from bench.consume import Consumed, consume
from bench.data import email_pattern, make_users
from bench.produce import produce
from bench.projection_report import Report

log = logging.getLogger(__name__)

NAME = "projection throughput (user.registered.v2 -> read.users + read.credentials)"
# Issue 21: within a tenth of the raw asyncpg batched upsert.
GOAL = 0.9
ROUNDS = 3

COUNT_USERS = "SELECT count(*) FROM read.users WHERE email LIKE $1"
COUNT_CREDENTIALS = "SELECT count(*) FROM read.credentials WHERE email LIKE $1"


async def count_rows(dsn: str, pattern: str) -> int:
    """Rows of the run in both tables, or -1 when the two disagree (a half-applied batch)."""
    conn = await db.connect(dsn)
    try:
        profiles = int(await conn.fetchval(COUNT_USERS, pattern))
        credentials = int(await conn.fetchval(COUNT_CREDENTIALS, pattern))
    finally:
        await conn.close()
    return profiles if profiles == credentials else -1


async def _postgres_version(dsn: str) -> str:
    conn = await db.connect(dsn)
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


def _phase_split(consumed: Consumed) -> dict[str, float]:
    """Busy seconds per step as a path ("apply/handler"), with the remainders named.

    "outside decode and apply" is the wall time left over: `getmany`, an inline Kafka
    commit, metrics. When the loop overlaps decode with the previous batch's apply it
    shrinks (negative: overlap); a Kafka commit run in the background overlaps it too.
    """
    s = consumed.phases.seconds
    store = ("store.claim", "handler", "store.save_offsets", "store.write_outbox")
    split = {
        "decode": s["decode"],
        "apply (one transaction per batch)": s["apply"],
        **{f"apply/{name}": s[name] for name in store},
        "apply/acquire+BEGIN+COMMIT": s["apply"] - sum(s[name] for name in store),
        "outside decode and apply": consumed.seconds - s["decode"] - s["apply"],
        "kafka offset commit (inline or background)": s["kafka_commit"],
        # Inside the steps above (mostly decode), not in addition to them.
        "gc pauses (inside the steps above)": sum(s[f"gc/gen{g}"] for g in range(3)),
        **{f"gc pauses (inside the steps above)/gen{g}": s[f"gc/gen{g}"] for g in range(3)},
    }
    return {name: round(seconds, 4) for name, seconds in split.items()}


async def run(events: int, batch: int) -> Report:
    """Produce once; then, ROUNDS times, the loop (a new group) and the raw baseline in turn.

    One pass of each takes about four seconds, and a checkpoint, an autovacuum or another
    process's burst inside one of them moves a single ratio by a tenth. Alternating the two
    in rounds exposes both to the same conditions, and the median round is the figure;
    every round is reported.
    """
    load_at_start = os.getloadavg()[0]
    run_id = secrets.token_hex(4)
    prefix = f"bench-{run_id}."
    settings = Settings(topic_prefix=prefix)
    names = TopicNames(prefix=prefix)
    groups: list[str] = []
    dsn = settings.database_url
    pattern = email_pattern(run_id)
    started = datetime.now(UTC)
    rounds: list[Round] = []
    try:
        await apply_topics(settings, names)
        produced = await produce(settings, names, make_users(run_id, events, started))
        log.info("produced %d events at %.0f/s", events, produced.rate)
        for n in range(ROUNDS):
            group = f"bench-{run_id}.projection.users.{n}"
            groups.append(group)
            gc.collect()  # the users are gone; the loop starts with the process's own heap
            consumed = await consume(settings, names, group, events, batch)
            log.info("round %d: loop applied %d events at %.0f/s", n, events, consumed.rate)
            loop_rows = await count_rows(dsn, pattern)
            await cleanup.delete_rows(dsn, pattern)
            raw = await baseline(dsn, make_users(run_id, events, started), batch)
            log.info("round %d: baseline inserted %d rows at %.0f/s", n, events, raw.rate)
            baseline_rows = await count_rows(dsn, pattern)
            await cleanup.delete_rows(dsn, pattern)
            rounds.append(Round(consumed, loop_rows, raw, baseline_rows))
    finally:
        await cleanup.everything(settings, names, groups, pattern)
    median = sorted(rounds, key=lambda r: r.ratio)[len(rounds) // 2]
    consumed, raw = median.consumed, median.raw
    complete = all(r.loop_rows == r.baseline_rows == events for r in rounds)
    return Report(
        benchmark=NAME,
        run_id=run_id,
        timestamp=datetime.now(UTC).isoformat(timespec="seconds"),
        events=events,
        batch_size=batch,
        produce_events_per_s=round(produced.rate, 1),
        produce_seconds=round(produced.seconds, 3),
        produce_encode_seconds=round(produced.encode_seconds, 3),
        produce_mib=round(produced.bytes / 2**20, 1),
        loop_events_per_s=round(consumed.rate, 1),
        loop_seconds=round(consumed.seconds, 3),
        loop_seconds_with_startup=round(consumed.seconds_with_startup, 3),
        loop_batches=consumed.phases.batches,
        loop_records=consumed.phases.records,
        loop_mean_batch=round(consumed.phases.records / max(consumed.phases.batches, 1), 1),
        loop_rows_applied=median.loop_rows,
        baseline_events_per_s=round(raw.rate, 1),
        baseline_seconds=round(raw.seconds, 3),
        baseline_rows_applied=median.baseline_rows,
        ratio=round(median.ratio, 4),
        goal=GOAL,
        # A fast loop that lost or half-applied rows, in any round, has not passed anything.
        passed=median.ratio >= GOAL and complete,
        rounds=[r.summary() for r in rounds],
        loop_phases_s=_phase_split(consumed),
        loop_gc_collections=list(consumed.phases.gc_collections),
        machine={"postgres": await _postgres_version(dsn), "load_avg_1m_at_start": load_at_start},
    )


@dataclass(frozen=True)
class Round:
    """One pass of the loop and one of the baseline over the same events."""

    consumed: Consumed
    loop_rows: int
    raw: Baseline
    baseline_rows: int

    @property
    def ratio(self) -> float:
        """Loop over baseline, events per second."""
        return self.consumed.rate / self.raw.rate

    def summary(self) -> dict[str, float]:
        """The round's figures, for the report."""
        return {
            "loop_events_per_s": round(self.consumed.rate, 1),
            "baseline_events_per_s": round(self.raw.rate, 1),
            "ratio": round(self.ratio, 4),
            "loop_rows_applied": self.loop_rows,
            "baseline_rows_applied": self.baseline_rows,
        }
