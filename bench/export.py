"""Benchmark "replay export": `azora replay export` against kcat reading the same topic.

Both are whole commands, timed from start to exit as an analyst waits for them: kcat
writes the records' values to /dev/null; the export writes JSON Lines (the envelope
plus topic, partition, offset, timestamp and key) to /dev/null, and Parquet (the same
columns) to a file, which a Parquet writer needs (it seeks back to write its footer).
The three alternate, three rounds each, and the medians are compared.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from azora.kafka import delete_topics
from azora.settings import Settings
from azora.topic_setup import apply_topics
from azora.topics import TopicNames
from bench.data import make_users
from bench.judging import all_met, at_least, at_most
from bench.produce import produce
from bench.result import Result
from schemas.catalogue import USER_REGISTERED_V2

log = logging.getLogger(__name__)

# Issue 21: JSON Lines at least 0.6 of kcat's rate, Parquet at least 0.3.
GOAL = 0.6
GOAL_PARQUET = 0.3
ROUNDS = 3
REPO = Path(__file__).resolve().parents[1]


def kcat_binary() -> str:
    """The repo's kcat (`make kcat`)."""
    path = subprocess.run(
        [str(REPO / "infra" / "kcat" / "kcat.sh"), "path"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not os.access(path, os.X_OK):
        raise SystemExit(f"kcat is not installed at {path}: run `make kcat`")
    return path


def _timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, check=True
    )
    return time.perf_counter() - started, done.stderr


def _exported(stderr: str) -> int:
    found = re.search(r"exported ([\d,]+) events", stderr)
    if not found:
        raise RuntimeError(f"the export did not report its count:\n{stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


async def run(events: int) -> Result:
    """Produce `events`, then time kcat and the export over the same topic, alternating."""
    run_id = secrets.token_hex(4)
    prefix = f"bench-{run_id}."
    settings = Settings(topic_prefix=prefix)
    names = TopicNames(prefix=prefix)
    topic = names.physical(USER_REGISTERED_V2)
    kcat = kcat_binary()
    try:
        await apply_topics(settings, names)
        await produce(settings, names, make_users(run_id, events, datetime.now(UTC)))
        kcat_command = [
            kcat, "-C", "-b", settings.kafka_bootstrap_servers, "-t", topic,
            "-o", "beginning", "-e", "-q",
        ]  # fmt: skip
        export_command = [
            sys.executable, "-m", "stack", "replay", "export",
            "--raw-topic", topic, "-o", "-", "--quiet",
        ]  # fmt: skip
        parquet_file = Path(tempfile.gettempdir()) / f"azora-bench-{run_id}.parquet"
        parquet_command = [*export_command[:-3], "-o", str(parquet_file), "--quiet"]
        kcat_s: list[float] = []
        export_s: list[float] = []
        parquet_s: list[float] = []
        counted: list[int] = []
        for _ in range(ROUNDS):
            kcat_s.append(_timed(kcat_command)[0])
            for command, times in ((export_command, export_s), (parquet_command, parquet_s)):
                seconds, stderr = _timed(command)
                times.append(seconds)
                counted.append(_exported(stderr))
            parquet_file.unlink()
    finally:
        await delete_topics(settings, names.all_physical())
    kcat_rate = events / statistics.median(kcat_s)
    export_rate = events / statistics.median(export_s)
    parquet_rate = events / statistics.median(parquet_s)
    ratio = export_rate / kcat_rate
    parquet_ratio = parquet_rate / kcat_rate
    figures = [
        at_least("JSON Lines / kcat", round(ratio, 3), "", GOAL),
        at_least("Parquet / kcat", round(parquet_ratio, 3), "", GOAL_PARQUET),
        at_most(
            "exports that wrote a count other than the topic's",
            sum(n != events for n in counted),
            "",
            0,
        ),
    ]
    return Result(
        name="replay export",
        figure=f"events/s exporting {events:,} events of one topic to JSON Lines",
        value=round(export_rate, 1),
        unit="ev/s",
        baseline="kcat reading the same topic to /dev/null",
        baseline_value=round(kcat_rate, 1),
        ratio=round(ratio, 4),
        goal=f"ratio >= {GOAL} (Parquet >= {GOAL_PARQUET}) and every event exported",
        passed=all_met(figures),
        rows=[
            ("events", f"{events:,}"),
            ("kcat wall seconds (3 runs)", ", ".join(f"{s:.2f}" for s in kcat_s)),
            ("export wall seconds (3 runs)", ", ".join(f"{s:.2f}" for s in export_s)),
            ("Parquet wall seconds (3 runs)", ", ".join(f"{s:.2f}" for s in parquet_s)),
            (
                "Parquet / kcat",
                f"{parquet_ratio:.3f} ({parquet_rate:,.0f} ev/s against {kcat_rate:,.0f})",
            ),
            ("events each export wrote", ", ".join(f"{n:,}" for n in sorted(set(counted)))),
        ],
        details={"kcat_seconds": kcat_s, "export_seconds": export_s, "parquet_seconds": parquet_s},
        figures=figures,
    )
