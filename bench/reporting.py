"""The benchmark's figures as a printed table, `bench/report.json` and `bench/report.md`.

One flat record per run, so a later run can be diffed against an earlier one by eye or jq.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Report:
    """Everything one run of "projection throughput" measured."""

    benchmark: str
    run_id: str
    timestamp: str
    events: int
    batch_size: int
    produce_events_per_s: float
    produce_seconds: float
    produce_encode_seconds: float
    produce_mib: float
    loop_events_per_s: float
    loop_seconds: float
    loop_seconds_with_startup: float
    loop_batches: int
    loop_records: int
    loop_mean_batch: float
    loop_rows_applied: int
    baseline_events_per_s: float
    baseline_seconds: float
    baseline_rows_applied: int
    ratio: float
    goal: float
    passed: bool
    loop_phases_s: dict[str, float] = field(default_factory=dict)
    loop_gc_collections: list[int] = field(default_factory=list)
    machine: dict[str, Any] = field(default_factory=dict)


def machine_info(postgres: str, load_at_start: float) -> dict[str, Any]:
    """What the figures depend on besides the code (load: was anything else running?)."""
    return {
        "cpu_count": os.cpu_count(),
        "load_avg_1m_at_start": round(load_at_start, 2),
        "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "postgres": postgres,
    }


def rows(report: Report) -> list[tuple[str, str]]:
    """(label, value) pairs, the order the table and the Markdown use."""
    verdict = "PASS" if report.passed else "FAIL"
    out = [
        ("events", f"{report.events:,}"),
        ("batch size (max_batch)", f"{report.batch_size:,}"),
        (
            "produce rate",
            f"{report.produce_events_per_s:,.0f} ev/s ({report.produce_seconds:.1f} s, "
            f"{report.produce_mib:.0f} MiB, encode {report.produce_encode_seconds:.1f} s)",
        ),
        (
            "consume loop",
            f"{report.loop_events_per_s:,.0f} ev/s ({report.loop_seconds:.2f} s; "
            f"{report.loop_seconds_with_startup:.2f} s with group join)",
        ),
        (
            "loop batches",
            f"{report.loop_batches:,} (mean {report.loop_mean_batch:,.0f} records; "
            f"{report.loop_records:,} records fetched, "
            f"{report.loop_records - report.events:,} of them again)",
        ),
        (
            "raw asyncpg baseline",
            f"{report.baseline_events_per_s:,.0f} ev/s ({report.baseline_seconds:.2f} s)",
        ),
        ("ratio loop / baseline", f"{report.ratio:.3f}"),
        ("goal", f">= {report.goal:.2f} and every row applied -> {verdict}"),
        ("rows applied (loop, baseline)", _rows_applied(report)),
        ("gc collections gen0/1/2", "/".join(f"{n:,}" for n in report.loop_gc_collections)),
        (
            "cpu count, load avg (start/end)",
            f"{report.machine.get('cpu_count')}, {report.machine.get('load_avg_1m_at_start')}"
            f"/{report.machine.get('load_avg_1m_at_end')}",
        ),
    ]
    return out


def _rows_applied(report: Report) -> str:
    loop, raw = report.loop_rows_applied, report.baseline_rows_applied
    complete = loop == raw == report.events
    return f"{loop:,}, {raw:,}" + (
        "" if complete else f"  <- NOT {report.events:,}: figures invalid"
    )


def phase_rows(report: Report) -> list[tuple[str, str]]:
    """The loop's time per step, in seconds and as a share of the timed loop."""
    total = report.loop_seconds
    return [
        (
            "  " * name.count("/") + name.rsplit("/", 1)[-1],
            f"{seconds:7.2f} s  {100 * seconds / total:5.1f} %",
        )
        for name, seconds in report.loop_phases_s.items()
    ]


def table(report: Report) -> str:
    """The run as a plain-text table for the terminal."""
    lines = [f"{report.benchmark}  (run {report.run_id}, {report.timestamp})"]
    width = max(len(label) for label, _ in [*rows(report), *phase_rows(report)]) + 2
    lines += [f"  {label:<{width}}{value}" for label, value in rows(report)]
    lines.append("  where the loop's time went:")
    lines += [f"    {label:<{width}}{value}" for label, value in phase_rows(report)]
    return "\n".join(lines)


def markdown(report: Report) -> str:
    """The run as Markdown."""
    out = [f"# {report.benchmark}", "", f"Run `{report.run_id}` at {report.timestamp}.", ""]
    out += ["| figure | value |", "|---|---|"]
    out += [f"| {label} | {value} |" for label, value in rows(report)]
    out += ["", "## Where the consume loop's time went", "", "| step | time |", "|---|---|"]
    out += [
        f"| {name} | {value} |"
        for name, (_, value) in zip(report.loop_phases_s, phase_rows(report), strict=True)
    ]
    out += ["", "## Machine", ""] + [f"- {k}: {v}" for k, v in report.machine.items()]
    return "\n".join(out) + "\n"


def write(report: Report, directory: Path = HERE) -> tuple[Path, Path]:
    """Write report.json and report.md next to this module (git ignores them)."""
    as_json = directory / "report.json"
    as_md = directory / "report.md"
    as_json.write_text(json.dumps(asdict(report), indent=2) + "\n")
    as_md.write_text(markdown(report))
    return as_json, as_md
