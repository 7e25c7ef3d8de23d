"""What the projection-throughput benchmark measured, and its rows in the report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from bench.judging import at_least, at_most
from bench.result import Result


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
    # Every round's figures; the fields above are the median round's.
    rounds: list[dict[str, float]] = field(default_factory=list)
    loop_phases_s: dict[str, float] = field(default_factory=dict)
    loop_gc_collections: list[int] = field(default_factory=list)
    machine: dict[str, Any] = field(default_factory=dict)


def rows(report: Report) -> list[tuple[str, str]]:
    """(label, value) pairs, the order the table and the Markdown use."""
    verdict = "PASS" if report.passed else "MISS"
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
        ("ratio loop / baseline", f"{report.ratio:.3f} (the median round)"),
        ("ratio per round", ", ".join(f"{r['ratio']:.3f}" for r in report.rounds)),
        ("goal", f">= {report.goal:.2f} and every row applied -> {verdict}"),
        ("rows applied (loop, baseline)", _rows_applied(report)),
        ("gc collections gen0/1/2", "/".join(f"{n:,}" for n in report.loop_gc_collections)),
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


def as_result(report: Report) -> Result:
    """The run as one entry of the suite's report."""
    return Result(
        name="projection throughput",
        figure="events/s through the consume loop into read.users + read.credentials",
        value=report.loop_events_per_s,
        unit="ev/s",
        baseline="raw asyncpg batched upsert of the same rows",
        baseline_value=report.baseline_events_per_s,
        ratio=report.ratio,
        goal=f"ratio >= {report.goal}",
        passed=report.passed,
        rows=[*rows(report), ("where the loop's time went", ""), *phase_rows(report)],
        details=asdict(report),
        figures=[
            at_least(
                "ratio to raw asyncpg (median round)", round(report.ratio, 3), "", report.goal
            ),
            at_most(
                "rows not applied (median round)",
                report.events - min(report.loop_rows_applied, report.baseline_rows_applied),
                "",
                0,
            ),
        ],
    )
