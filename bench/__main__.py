"""`python -m bench` (what `make bench` runs): every benchmark, one at a time, `--runs` times.

Prints a table and writes bench/report.json and bench/report.md: every figure's value in
each run, its worst and its median, each goal judged on the worst run. It exits 0
whatever the figures: a benchmark reports them, it does not fail a build on a noisy
machine's timing; it exits non-zero when a benchmark broke.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import time
import traceback
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from azora.settings import Settings
from bench import (
    cluster,
    end_to_end,
    export,
    export_at_scale,
    idle,
    ingress,
    projection,
    projection_at_scale,
    rebuild,
    rebuild_at_scale,
    result,
    retention,
    start,
)
from bench.projection_report import as_result

BENCHMARKS = (
    "ingress",
    "projection",
    "projection_at_scale",
    "end_to_end",
    "cluster",
    "export",
    "export_at_scale",
    "rebuild",
    "rebuild_at_scale",
    "retention",
    "idle",
    "start",
)
# Issue 21: a goal holds when it holds in each of three consecutive full runs.
RUNS = 3


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--only",
        default=",".join(BENCHMARKS),
        help=f"comma-separated subset of: {', '.join(BENCHMARKS)}",
    )
    parser.add_argument(
        "--events", type=int, default=200_000, help="events per benchmark (default 200000)"
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=Settings().consumer_max_batch,
        help="max_batch of the loop and rows per baseline transaction "
        "(default: AZORA_CONSUMER_MAX_BATCH, 1000)",
    )
    parser.add_argument(
        "--rebuild-events",
        type=int,
        default=1_000_000,
        help="events the rebuild benchmark replays (default 1000000, the goal's size)",
    )
    parser.add_argument(
        "--cluster-seconds",
        type=int,
        default=cluster.SECONDS,
        help="seconds of each run of the cluster benchmark (default 60)",
    )
    parser.add_argument(
        "--cluster-rate",
        type=int,
        default=end_to_end.RATE,
        help=f"commands/s of the cluster benchmark's runs (default {end_to_end.RATE})",
    )
    parser.add_argument(
        "--e2e-rate",
        type=int,
        default=end_to_end.GOAL_RATE,
        help=f"commands/s of the end-to-end run (default {end_to_end.GOAL_RATE}, the goal's)",
    )
    parser.add_argument(
        "--e2e-seconds",
        type=int,
        default=end_to_end.SECONDS,
        help=f"seconds of the end-to-end run (default {end_to_end.SECONDS}, the goal's)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=RUNS,
        help=f"consecutive runs of the whole set; goals are judged on the worst (default {RUNS})",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    return parser.parse_args()


def main() -> None:
    """Run the chosen benchmarks in order, print the table, write the reports."""
    args = _arguments()
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(chosen) - set(BENCHMARKS)
    sizes = (
        args.events,
        args.batch,
        args.cluster_seconds,
        args.runs,
        args.e2e_rate,
        args.e2e_seconds,
    )
    if unknown or min(sizes) < 1:
        raise SystemExit(f"unknown benchmark(s) {sorted(unknown)} or non-positive sizes")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    load_at_start = os.getloadavg()[0]
    runs: dict[str, Callable[[], Coroutine[Any, Any, result.Result]]] = {
        "projection": lambda: _projection(args.events, args.batch),
        # Issue 21's flat costs: the same projection into a read model of 10M users.
        "projection_at_scale": lambda: projection_at_scale.run(args.events, args.batch),
        "export": lambda: export.run(args.events),
        # Issue 21's flat costs: an export of 5M events per event against one of 500k.
        "export_at_scale": export_at_scale.run,
        "ingress": ingress.run,
        "end_to_end": lambda: end_to_end.run(args.e2e_rate, args.e2e_seconds),
        # The end-to-end run on three brokers beside one, and a leader killed under it.
        "cluster": lambda: cluster.run(args.cluster_seconds, args.cluster_rate),
        # The figure: a projection rebuilt from a million events.
        "rebuild": lambda: rebuild.run(args.rebuild_events),
        # Issue 21's flat costs: a rebuild from 5M events per event against one from 500k.
        "rebuild_at_scale": rebuild_at_scale.run,
        # Issue 21's flat costs: the inbox and offsets tables bounded under steady load.
        "retention": retention.run,
        # The idle goal: a stack with no traffic, as `make run` leaves it.
        "idle": idle.run,
        # The start goal: a second `make run` ready in seconds.
        "start": start.run,
    }
    started = time.monotonic()
    passes = [_one_pass(chosen, runs, n, args.runs) for n in range(1, args.runs + 1)]
    suite = {
        "run_id": secrets.token_hex(4),
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - started),
        "machine": result.machine(load_at_start),
        "history": result.history(),
    }
    print(result.table(passes))
    as_json, as_md = result.write(passes, suite)
    print(f"wrote {as_json} and {as_md} ({suite['seconds']} s)")
    broken = sorted({name for one in passes for name in one.failed})
    if broken:
        raise SystemExit(f"benchmarks that broke (not slow: broken): {', '.join(broken)}")


def _one_pass(
    chosen: list[str],
    runs: dict[str, Callable[[], Coroutine[Any, Any, result.Result]]],
    n: int,
    of: int,
) -> result.Run:
    """Every chosen benchmark once, in order."""
    results: list[result.Result] = []
    failed: dict[str, str] = {}
    began_pass = time.monotonic()
    for name in chosen:
        print(f"run {n} of {of}: running {name} ...", flush=True)
        began = time.monotonic()
        try:
            results.append(asyncio.run(runs[name]()))
        except Exception:
            # One broken benchmark must not take the others' figures with it.
            failed[name] = traceback.format_exc()
            print(failed[name], flush=True)
        print(f"{name}: {time.monotonic() - began:.0f} s", flush=True)
    return result.Run(results, failed, round(time.monotonic() - began_pass))


async def _projection(events: int, batch: int) -> result.Result:
    return as_result(await projection.run(events, batch))


main()
