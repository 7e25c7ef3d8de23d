"""Judging figures across several runs: each run's value, the worst, the median, the verdict.

A goal holds only if it holds in every run, so it is judged on the worst run's figure
(the highest of a figure where lower is better, the lowest where higher is better). A
run in which a benchmark broke has no figure: the goal is then not met, whatever the
other runs read. Pure functions of the figures: no clock, no network.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Figure:
    """One measured figure of one run, with its goal if it has one."""

    name: str
    value: float
    unit: str
    lower_is_better: bool
    # The goal's bound: at most `bound` when lower is better, at least otherwise.
    bound: float | None = None

    @property
    def goal(self) -> str:
        """The goal as the report prints it ("" when the figure is shown, not judged)."""
        if self.bound is None:
            return ""
        bound = f"{self.bound:,.0f}" if abs(self.bound) >= 1000 else f"{self.bound:g}"
        return f"{'<=' if self.lower_is_better else '>='} {bound} {self.unit}".rstrip()

    @property
    def met(self) -> bool | None:
        """Whether this run's value meets the goal (None: no goal)."""
        if self.bound is None:
            return None
        return self.value <= self.bound if self.lower_is_better else self.value >= self.bound


def at_most(name: str, value: float, unit: str, bound: float | None = None) -> Figure:
    """A figure where lower is better (a latency, a time, a size, a count of losses)."""
    return Figure(name, value, unit, lower_is_better=True, bound=bound)


def at_least(name: str, value: float, unit: str, bound: float | None = None) -> Figure:
    """A figure where higher is better (a rate, a ratio to a baseline)."""
    return Figure(name, value, unit, lower_is_better=False, bound=bound)


def all_met(figures: Sequence[Figure]) -> bool:
    """Every goal among `figures` met in this run (figures without a goal do not count)."""
    return all(figure.met is not False for figure in figures)


@dataclass(frozen=True)
class Judged:
    """One figure across the runs: every run's value, the worst and median, the verdict."""

    benchmark: str
    name: str
    unit: str
    goal: str
    # One per run, in order; None where the benchmark broke or did not report the figure.
    values: tuple[float | None, ...]
    worst: float | None
    median: float | None
    # None: a figure shown, not judged.
    met: bool | None

    @property
    def verdict(self) -> str:
        """What the report prints: met, MISSED, or nothing for a figure without a goal."""
        if self.met is None:
            return ""
        return "met" if self.met else "MISSED"


def judge(runs: Sequence[Mapping[str, Sequence[Figure]]]) -> list[Judged]:
    """Every figure of every benchmark across `runs` (benchmark → figures, one dict a run).

    Figures keep the order in which they first appear; a figure missing from a run (the
    benchmark broke there) counts as that run's worst.
    """
    order: dict[tuple[str, str], Figure] = {}
    for run in runs:
        for benchmark, figures in run.items():
            for figure in figures:
                order.setdefault((benchmark, figure.name), figure)
    judged = []
    for (benchmark, name), first in order.items():
        values = tuple(_value(run.get(benchmark, ()), name) for run in runs)
        judged.append(_judged(benchmark, first, values))
    return judged


def _value(figures: Sequence[Figure], name: str) -> float | None:
    for figure in figures:
        if figure.name == name:
            return figure.value
    return None


def _judged(benchmark: str, first: Figure, values: tuple[float | None, ...]) -> Judged:
    present = [value for value in values if value is not None]
    worst = (max(present) if first.lower_is_better else min(present)) if present else None
    median = statistics.median(present) if present else None
    met: bool | None = None
    if first.bound is not None:
        complete = len(present) == len(values)
        met = complete and worst is not None and bool(replace(first, value=worst).met)
    return Judged(benchmark, first.name, first.unit, first.goal, values, worst, median, met)
