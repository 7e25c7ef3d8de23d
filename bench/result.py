"""One benchmark's outcome, and the suite's report: a table, report.json and report.md.

Every figure is a ratio against a baseline measured in the same run, so machine speed
largely cancels out; a goal missed is reported, never a failed build.
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


def machine(load_at_start: float) -> dict[str, Any]:
    """What the figures depend on besides the code (load: was anything else running?)."""
    return {
        "cpu_count": os.cpu_count(),
        "load_avg_1m_at_start": round(load_at_start, 2),
        "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
    }


def _summary(results: list[Result]) -> list[tuple[str, str, str, str, str, str]]:
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


HEADINGS = ("benchmark", "figure", "baseline (same run)", "ratio", "goal", "verdict")


def table(results: list[Result]) -> str:
    """The suite as plain text for the terminal."""
    summary = [HEADINGS, *_summary(results)]
    widths = [max(len(row[i]) for row in summary) for i in range(len(HEADINGS))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in summary
    ]
    for r in results:
        lines += ["", f"{r.name}: {r.figure}"]
        width = max((len(label) for label, _ in r.rows), default=0) + 2
        lines += [f"  {label:<{width}}{value}" for label, value in r.rows]
    return "\n".join(lines)


def markdown(results: list[Result], run: dict[str, Any]) -> str:
    """The suite as Markdown."""
    out = ["# Benchmarks", "", f"Run `{run['run_id']}` at {run['timestamp']}.", ""]
    out += ["| " + " | ".join(HEADINGS) + " |", "|" + "---|" * len(HEADINGS)]
    out += ["| " + " | ".join(row) + " |" for row in _summary(results)]
    for r in results:
        out += ["", f"## {r.name}", "", r.figure, "", "| figure | value |", "|---|---|"]
        out += [f"| {label} | {value} |" for label, value in r.rows]
    for name, error in run.get("failed", {}).items():
        out += ["", f"## {name}: broken", "", "```", error.rstrip(), "```"]
    out += ["", f"The whole run took {run.get('seconds', '?')} s.", ""]
    out += ["## Machine", ""] + [f"- {k}: {v}" for k, v in run["machine"].items()]
    if history := run.get("history"):
        out += ["", history.rstrip()]
    return "\n".join(out) + "\n"


def history(path: Path = HERE / "profiled.md") -> str:
    """The tracked before-and-after record of missed goals (copied into every report)."""
    return path.read_text() if path.exists() else ""


def write(results: list[Result], run: dict[str, Any], directory: Path = HERE) -> tuple[Path, Path]:
    """Write report.json and report.md next to this module (git ignores them)."""
    as_json = directory / "report.json"
    as_md = directory / "report.md"
    document = {**run, "benchmarks": [asdict(r) for r in results]}
    as_json.write_text(json.dumps(document, indent=2) + "\n")
    as_md.write_text(markdown(results, run))
    return as_json, as_md
