"""Benchmark "rebuild at scale": a rebuild's seconds per event over 5,000,000 events against
the same over 500,000 (issue 21: costs stay flat as data grows).

Each size gets a database and topics of its own, one after the other (5M users' read model
and topic hold a few GB): the users' `user.registered.v2` events written in slices, the live
`projections` group's offsets stored at the topics' ends, then `azora projections rebuild`'s
runner replays every event into fresh tables and swaps them in. The live group's offsets are
set where a caught-up live group would have left them instead of running the live projection
over the events first (five more minutes at 5M): the rebuild reads only those offsets, never
the live tables, and the swap drops the live tables whatever they hold. The figure is the
runner's own seconds, start to swap, per event; the small rebuild runs before and after the
large one (`bench.scaling`), about a minute more.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import asyncpg

from azora.consume import store
from azora.kafka import delete_topics
from azora.settings import Settings
from azora.topic_setup import apply_topics
from azora.topics import TopicNames
from bench.databases import fresh_database
from bench.judging import Figure, all_met, at_most
from bench.produce import produce_in_slices
from bench.rebuild import BATCH, count_users, rebuild_users
from bench.result import Result
from bench.scaling import baseline_per_event, flatness, per_event
from stack import composition
from stack.rebuild.listing import end_offsets

# Issue 21: per event at 5M within 1.2x of per event at 500k.
GOAL = 1.2
SMALL = 500_000
LARGE = 5_000_000


@dataclass(frozen=True)
class Rebuilt:
    """One size's rebuild: how many events, how long they took to write and to rebuild."""

    events: int
    produce_seconds: float
    rebuild_seconds: float
    rows: int

    @property
    def per_event(self) -> float:
        return per_event(self.events, self.rebuild_seconds)


def judged(small: Sequence[Rebuilt], large: Rebuilt) -> list[Figure]:
    """The goal's figures: the large rebuild's seconds per event over the small ones', and
    the rows any swap left missing."""
    ratio = flatness(
        [(r.events, r.rebuild_seconds) for r in small], (large.events, large.rebuild_seconds)
    )
    missing = sum(r.events - r.rows for r in [*small, large])
    size = small[0].events
    return [
        at_most(f"per event at {large.events:,} / at {size:,}", round(ratio, 3), "", GOAL),
        at_most("rows missing after any swap", missing, "", 0),
    ]


async def rebuild_once(base: Settings, run_id: str, label: str, events: int) -> Rebuilt:
    """Write `events` users to new topics, rebuild the users projection from them into a new
    database, and time the rebuild."""
    prefix = f"bench-{run_id}-{label}."
    names = TopicNames(prefix=prefix)
    async with fresh_database(base.database_url, checkpoint_first=True, label=label) as url:
        settings = base.model_copy(
            update={"topic_prefix": prefix, "database_url": url, "consumer_max_batch": BATCH}
        )
        try:
            await apply_topics(settings, names)
            produce_s = await produce_in_slices(settings, names, f"{run_id}-{label}", events)
            topics = composition.projections(settings)["users"].physical_topics(names)
            await _live_group_caught_up(settings, url, names.group("projections"), topics)
            _, rebuild_s = await rebuild_users(settings, names)
            rows = await count_users(url)
        finally:
            await delete_topics(settings, names.all_physical())
    return Rebuilt(events, produce_s, rebuild_s, rows)


async def _live_group_caught_up(
    settings: Settings, url: str, group: str, topics: list[str]
) -> None:
    ends = await end_offsets(settings, set(topics))
    conn = await asyncpg.connect(url)
    try:
        await store.save_offsets(
            conn, group, {(tp.topic, tp.partition): n for tp, n in ends.items()}
        )
    finally:
        await conn.close()


async def run(small: int = SMALL, large: int = LARGE) -> Result:
    """Rebuild from `small` events, from `large`, from `small` again; compare their seconds
    per event."""
    base, run_id = Settings(), secrets.token_hex(4)
    order = [("small-1", small), ("large", large), ("small-2", small)]
    rebuilt = {label: await rebuild_once(base, run_id, label, n) for label, n in order}
    smalls = [rebuilt["small-1"], rebuilt["small-2"]]
    figures = judged(smalls, rebuilt["large"])
    small_per_event = baseline_per_event([(r.events, r.rebuild_seconds) for r in smalls])
    return Result(
        name="rebuild at scale",
        figure=f"µs per event rebuilding the users projection from {large:,} events",
        value=round(rebuilt["large"].per_event * 1e6, 2),
        unit="µs/ev",
        baseline=f"the same rebuild from {small:,} events before and after it, same run (mean)",
        baseline_value=round(small_per_event * 1e6, 2),
        ratio=figures[0].value,
        goal=f"ratio <= {GOAL} and every row after each swap",
        passed=all_met(figures),
        rows=[
            (
                f"{label}: {r.events:,} events",
                f"rebuild {r.rebuild_seconds:.1f} s ({r.per_event * 1e6:.2f} µs/event, "
                f"{r.rows:,} rows), written in {r.produce_seconds:.1f} s",
            )
            for label, r in rebuilt.items()
        ],
        details={label: asdict(r) for label, r in rebuilt.items()},
        figures=figures,
    )
