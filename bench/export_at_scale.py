"""Benchmark "export at scale": an export's time per event over 5,000,000 events against
the same over 500,000 (issue 21: costs stay flat as data grows).

Two topics of the same `user.registered.v2` events (the personal fields redacted, as an
analyst's export is by default), written in slices (`bench.produce.SLICE` users) so the
benchmark never holds millions of them at once. Each is exported to JSON Lines on /dev/null by
`azora replay export`, the small one before and after the large one (`bench.scaling`); the
figure is the export's own seconds per event (its summary line, which leaves out Python's
start, a fixed cost that would flatter the larger export).
"""

from __future__ import annotations

import re
import secrets
import subprocess
import sys

from azora.kafka import delete_topics
from azora.settings import Settings
from azora.topic_setup import apply_topics
from azora.topics import TopicNames
from bench.judging import all_met, at_most
from bench.produce import produce_in_slices
from bench.result import Result
from bench.scaling import baseline_per_event, flatness, per_event
from schemas.catalogue import USER_REGISTERED_V2

# Issue 21: per event at 5M within 1.2x of per event at 500k.
GOAL = 1.2
SMALL = 500_000
LARGE = 5_000_000
_SUMMARY = re.compile(r"exported ([\d,]+) events .* in ([\d.]+) s")


def export_seconds(topic: str) -> tuple[int, float]:
    """Events exported and the export's own seconds, from its summary line."""
    done = subprocess.run(
        [sys.executable, "-m", "stack", "replay", "export", "--raw-topic", topic,
         "-o", "-", "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True,
    )  # fmt: skip
    found = _SUMMARY.search(done.stderr)
    if found is None:
        raise RuntimeError(f"the export did not report its count:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", "")), float(found.group(2))


async def run(small: int = SMALL, large: int = LARGE) -> Result:
    """Fill both topics; export the small one, the large one, the small one again; compare
    the large export's seconds per event with the small exports'."""
    run_id = secrets.token_hex(4)
    sizes = {"small": small, "large": large}
    names = {which: TopicNames(prefix=f"bench-{run_id}-{which}.") for which in sizes}
    settings = {which: Settings(topic_prefix=n.prefix) for which, n in names.items()}
    exported: list[tuple[str, int, float]] = []
    try:
        for which, events in sizes.items():
            await apply_topics(settings[which], names[which])
            await produce_in_slices(settings[which], names[which], run_id, events)
        for which in ("small", "large", "small"):
            n, seconds = export_seconds(names[which].physical(USER_REGISTERED_V2))
            exported.append((which, n, seconds))
    finally:
        for which in sizes:
            await delete_topics(settings[which], names[which].all_physical())
    smalls = [(n, seconds) for which, n, seconds in exported if which == "small"]
    (_, large_n, large_s) = next(e for e in exported if e[0] == "large")
    ratio = flatness(smalls, (large_n, large_s))
    small_per_event = baseline_per_event(smalls)
    wrong = sum(n != sizes[which] for which, n, _ in exported)
    figures = [
        at_most(f"per event at {large:,} / at {small:,}", round(ratio, 3), "", GOAL),
        at_most("exports that wrote a count other than the topic's", wrong, "", 0),
    ]
    return Result(
        name="export at scale",
        figure=f"µs per event exporting {large:,} events to JSON Lines",
        value=round(per_event(large_n, large_s) * 1e6, 2),
        unit="µs/ev",
        baseline=f"the same export of {small:,} events before and after it, same run (mean)",
        baseline_value=round(small_per_event * 1e6, 2),
        ratio=round(ratio, 4),
        goal=f"ratio <= {GOAL} and every event exported",
        passed=all_met(figures),
        rows=[
            (
                f"{i}. {which}: {sizes[which]:,} events",
                f"{seconds:.1f} s, {per_event(n, seconds) * 1e6:.2f} µs/event, {n:,} exported",
            )
            for i, (which, n, seconds) in enumerate(exported, start=1)
        ],
        details={"exported": exported},
        figures=figures,
    )
