"""One benchmark's outcome, and the suite's report: a table, report.json and report.md.

Every figure is a ratio against a baseline measured in the same run, so machine speed
largely cancels out; a goal missed is reported, never a failed build. With several runs
the report prints each run's value, the worst and the median of every figure, and judges
each goal on the worst (`bench/judging.py`).
"""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.judging import Figure, Judged, at_least, judge

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Result:
    """A benchmark's headline figure against its baseline, and the rows that explain it."""

    name: str
    figure: str
    value: float
    unit: str
    baseline: str
    baseline_value: float
    # How the figure compares with the baseline (the goal says which way is good).
    ratio: float
    goal: str
    passed: bool
    rows: list[tuple[str, str]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    # The figures judged across runs (on the worst run); empty: judged on `passed`.
    figures: list[Figure] = field(default_factory=list)


def machine(load_at_start: float) -> dict[str, Any]:
    """What the figures depend on besides the code (load: was anything else running?)."""
    return {
        "cpu_count": os.cpu_count(),
        "load_avg_1m_at_start": round(load_at_start, 2),
        "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
    }


HEADINGS = ("benchmark", "figure", "baseline (same run)", "ratio", "goal", "verdict")


def figures_of(result: Result) -> list[Figure]:
    """The figures judged across runs; a benchmark that names none is judged on its verdict."""
    if result.figures:
        return result.figures
    return [at_least("its own goal met (1 yes, 0 no)", 1.0 if result.passed else 0.0, "", 1.0)]


@dataclass(frozen=True)
class Run:
    """One pass over the chosen benchmarks."""

    results: list[Result]
    # Benchmarks that broke in this pass, with their tracebacks.
    failed: dict[str, str]
    seconds: float


def judged(runs: Sequence[Run]) -> list[Judged]:
    """Every figure across the runs, judged on its worst run."""
    return judge([{r.name: figures_of(r) for r in run.results} for run in runs])


def number(value: float | None) -> str:
    """A figure as the tables print it: as many digits as its size deserves."""
    if value is None:
        return "broken"
    if float(value).is_integer() or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if abs(value) >= 1 else f"{value:.3f}"


def _judged_rows(runs: Sequence[Run]) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    headings = (
        "benchmark",
        "figure",
        *(f"run {n}" for n in range(1, len(runs) + 1)),
        "worst",
        "median",
        "goal (on the worst)",
        "verdict",
    )
    rows = [
        (
            j.benchmark,
            f"{j.name} ({j.unit})" if j.unit else j.name,
            *(number(v) for v in j.values),
            number(j.worst),
            number(j.median),
            j.goal,
            j.verdict,
        )
        for j in judged(runs)
    ]
    # A benchmark that never gave a figure still gets its line: its goals were not met.
    never = sorted(set.intersection(*(set(run.failed) for run in runs))) if runs else []
    rows += [
        (name, "broke in every run", *("broken",) * (len(runs) + 2), "", "MISSED") for name in never
    ]
    return headings, rows


def _summary(results: list[Result]) -> list[tuple[str, ...]]:
    return [
        (
            r.name,
            f"{r.value:,.1f} {r.unit}",
            f"{r.baseline_value:,.1f} {r.unit} ({r.baseline})",
            f"{r.ratio:.3f}",
            r.goal,
            "PASS" if r.passed else "MISS",
        )
        for r in results
    ]


def _aligned(headings: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    every = [headings, *rows]
    widths = [max(len(row[i]) for row in every) for i in range(len(headings))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in every]


def table(runs: Sequence[Run]) -> str:
    """The suite as plain text for the terminal: the verdicts, then each run's figures."""
    lines = ["Every figure across the runs (a goal is judged on the worst run):", ""]
    lines += _aligned(*_judged_rows(runs))
    for n, run in enumerate(runs, 1):
        lines += ["", f"Run {n} of {len(runs)} ({run.seconds:.0f} s):", ""]
        lines += _aligned(HEADINGS, _summary(run.results))
        for r in run.results:
            lines += ["", f"{r.name}: {r.figure}"]
            width = max((len(label) for label, _ in r.rows), default=0) + 2
            lines += [f"  {label:<{width}}{value}" for label, value in r.rows]
    return "\n".join(lines)


def _md_table(headings: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    out = ["| " + " | ".join(headings) + " |", "|" + "---|" * len(headings)]
    return out + ["| " + " | ".join(row) + " |" for row in rows]


def markdown(runs: Sequence[Run], suite: dict[str, Any]) -> str:
    """The suite as Markdown: the verdicts across runs first, then every run in full."""
    out = ["# Benchmarks", "", f"Run `{suite['run_id']}` at {suite['timestamp']}, "]
    out[-1] += f"{len(runs)} consecutive run(s); every goal is judged on the worst of them."
    out += ["", *_md_table(*_judged_rows(runs))]
    for n, run in enumerate(runs, 1):
        out += ["", f"## Run {n} of {len(runs)} ({run.seconds:.0f} s)", ""]
        out += _md_table(HEADINGS, _summary(run.results))
        for r in run.results:
            out += ["", f"### {r.name}", "", r.figure, "", "| figure | value |", "|---|---|"]
            out += [f"| {label} | {value} |" for label, value in r.rows]
        for name, error in run.failed.items():
            out += ["", f"### {name}: broken", "", "```", error.rstrip(), "```"]
    out += ["", f"The whole suite took {suite.get('seconds', '?')} s.", ""]
    out += ["## Machine", ""] + [f"- {k}: {v}" for k, v in suite["machine"].items()]
    if history := suite.get("history"):
        out += ["", history.rstrip()]
    return "\n".join(out) + "\n"


def history(path: Path = HERE / "profiled.md") -> str:
    """The tracked before-and-after record of missed goals (copied into every report)."""
    return path.read_text() if path.exists() else ""


def write(runs: Sequence[Run], suite: dict[str, Any], directory: Path = HERE) -> tuple[Path, Path]:
    """Write report.json and report.md next to this module (git ignores them)."""
    as_json = directory / "report.json"
    as_md = directory / "report.md"
    document = {
        **suite,
        "judged": [asdict(j) for j in judged(runs)],
        "runs": [
            {
                "seconds": run.seconds,
                "failed": run.failed,
                "benchmarks": [asdict(r) for r in run.results],
            }
            for run in runs
        ],
    }
    as_json.write_text(json.dumps(document, indent=2) + "\n")
    as_md.write_text(markdown(runs, suite))
    return as_json, as_md
