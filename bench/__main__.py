"""`python -m bench` (what `make bench` runs): the projection throughput benchmark.

Prints a table and writes bench/report.json and bench/report.md. It exits 0 whatever the
ratio: a benchmark reports figures, it does not fail a build on a noisy machine's timing.
"""

from __future__ import annotations

import argparse
import asyncio
import logging

from azora.settings import Settings
from bench import projection, reporting


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--events", type=int, default=200_000, help="user.registered events (default 200000)"
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=Settings().consumer_max_batch,
        help="max_batch of the loop and rows per baseline transaction "
        "(default: AZORA_CONSUMER_MAX_BATCH, 1000)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    return parser.parse_args()


def main() -> None:
    """Run the benchmark, print its table, write its reports."""
    args = _arguments()
    if args.events < 1 or args.batch < 1:
        raise SystemExit("--events and --batch must be positive")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    result = asyncio.run(projection.run(args.events, args.batch))
    print(reporting.table(result))
    as_json, as_md = reporting.write(result)
    print(f"wrote {as_json} and {as_md}")


main()
