"""`python -m bench` (what `make bench` runs): every benchmark, one at a time.

Prints a table and writes bench/report.json and bench/report.md. It exits 0 whatever the
ratios: a benchmark reports figures, it does not fail a build on a noisy machine's timing.
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
from bench import cluster, end_to_end, export, idle, ingress, projection, rebuild, result
from bench.projection_report import as_result

BENCHMARKS = ("ingress", "projection", "end_to_end", "cluster", "export", "rebuild", "idle")


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
        help="seconds of each run at 500 commands/s of the cluster benchmark (default 60)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    return parser.parse_args()


def main() -> None:
    """Run the chosen benchmarks in order, print the table, write the reports."""
    args = _arguments()
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown or min(args.events, args.batch, args.cluster_seconds) < 1:
        raise SystemExit(f"unknown benchmark(s) {sorted(unknown)} or non-positive sizes")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    load_at_start = os.getloadavg()[0]
    runs: dict[str, Callable[[], Coroutine[Any, Any, result.Result]]] = {
        "projection": lambda: _projection(args.events, args.batch),
        "export": lambda: export.run(args.events),
        "ingress": ingress.run,
        "end_to_end": end_to_end.run,
        # The end-to-end run on three brokers beside one, and a leader killed under it.
        "cluster": lambda: cluster.run(args.cluster_seconds),
        # The figure: a projection rebuilt from a million events.
        "rebuild": lambda: rebuild.run(args.rebuild_events),
        # The idle goal: a stack with no traffic, as `make run` leaves it.
        "idle": idle.run,
    }
    results: list[result.Result] = []
    failed: dict[str, str] = {}
    started = time.monotonic()
    for name in chosen:
        print(f"running {name} ...", flush=True)
        began = time.monotonic()
        try:
            results.append(asyncio.run(runs[name]()))
        except Exception:
            # One broken benchmark must not take the others' figures with it.
            failed[name] = traceback.format_exc()
            print(failed[name], flush=True)
        print(f"{name}: {time.monotonic() - began:.0f} s", flush=True)
    run = {
        "run_id": secrets.token_hex(4),
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - started),
        "failed": failed,
        "machine": result.machine(load_at_start),
        "history": result.history(),
    }
    print(result.table(results))
    as_json, as_md = result.write(results, run)
    print(f"wrote {as_json} and {as_md} ({run['seconds']} s)")
    if failed:
        raise SystemExit(f"benchmarks that broke (not slow: broken): {', '.join(failed)}")


async def _projection(events: int, batch: int) -> result.Result:
    return as_result(await projection.run(events, batch))


main()
