"""Benchmark goals are judged on the worst of the runs (`bench/judging.py`, `bench/result.py`).

Pure functions of made-up figures: no stack, no network.
"""

from __future__ import annotations

from bench.judging import all_met, at_least, at_most, judge
from bench.result import Result, Run, figures_of, markdown, number, table


def _result(name: str, *figures: object, passed: bool = True) -> Result:
    return Result(
        name=name,
        figure="a figure",
        value=1.0,
        unit="ms",
        baseline="a baseline",
        baseline_value=1.0,
        ratio=1.0,
        goal="a goal",
        passed=passed,
        figures=list(figures),  # type: ignore[arg-type]
    )


def test_a_latency_is_judged_on_the_highest_of_the_runs() -> None:
    runs = [{"end to end": [at_most("p99", v, "ms", 60)]} for v in (41.0, 75.0, 52.0)]

    [p99] = judge(runs)

    assert p99.values == (41.0, 75.0, 52.0)
    assert p99.worst == 75.0
    assert p99.median == 52.0
    assert p99.met is False
    assert p99.verdict == "MISSED"


def test_a_ratio_is_judged_on_the_lowest_of_the_runs() -> None:
    runs = [{"projection": [at_least("ratio", v, "", 0.9)]} for v in (0.95, 0.91, 0.97)]

    [ratio] = judge(runs)

    assert ratio.worst == 0.91
    assert ratio.median == 0.95
    assert ratio.met is True
    assert ratio.verdict == "met"


def test_a_goal_met_exactly_at_its_bound_is_met() -> None:
    [exact] = judge([{"idle": [at_most("cpu", 5.0, "%", 5.0)]}])
    [floor] = judge([{"ingress": [at_least("ratio", 1.0, "", 1.0)]}])

    assert exact.met is True
    assert floor.met is True


def test_a_run_in_which_the_benchmark_broke_fails_the_goal_whatever_the_others_read() -> None:
    runs: list[dict[str, list[object]]] = [
        {"rebuild": [at_most("time", 20.0, "s", 25)]},
        {},
        {"rebuild": [at_most("time", 21.0, "s", 25)]},
    ]

    [time] = judge(runs)  # type: ignore[arg-type]

    assert time.values == (20.0, None, 21.0)
    assert time.worst == 21.0
    assert time.met is False


def test_a_figure_without_a_goal_is_shown_with_its_worst_and_median_but_not_judged() -> None:
    runs = [{"end to end": [at_most("p50 of a hop", v, "ms")]} for v in (3.0, 9.0, 4.0)]

    [hop] = judge(runs)

    assert (hop.worst, hop.median) == (9.0, 4.0)
    assert hop.met is None
    assert hop.verdict == ""
    assert hop.goal == ""


def test_figures_keep_the_order_in_which_they_first_appear() -> None:
    runs = [
        {"a": [at_most("one", 1, "s"), at_most("two", 2, "s")], "b": [at_most("three", 3, "s")]}
    ]

    assert [(j.benchmark, j.name) for j in judge(runs)] == [
        ("a", "one"),
        ("a", "two"),
        ("b", "three"),
    ]


def test_a_run_meets_its_goals_only_when_every_judged_figure_does() -> None:
    shown_only = at_most("max", 900.0, "ms")
    assert all_met([at_most("p99", 50, "ms", 60), shown_only])
    assert not all_met([at_most("p99", 50, "ms", 60), at_least("ratio", 0.5, "", 0.6)])


def test_goals_print_their_direction_and_unit() -> None:
    assert at_most("p99", 1, "ms", 60).goal == "<= 60 ms"
    assert at_least("ratio", 1, "", 0.75).goal == ">= 0.75"
    assert at_least("events", 1, "", 1_000_000).goal == ">= 1,000,000"


def test_a_benchmark_without_figures_is_judged_on_its_own_verdict_in_every_run() -> None:
    met, missed = _result("cluster", passed=True), _result("cluster", passed=False)

    [verdict] = judge([{"cluster": figures_of(r)} for r in (met, missed, met)])

    assert verdict.values == (1.0, 0.0, 1.0)
    assert verdict.met is False


def test_the_report_prints_every_run_the_worst_the_median_and_the_verdict() -> None:
    runs = [
        Run([_result("end to end", at_most("202 → visible p99", v, "ms", 60))], {}, 100)
        for v in (41.5, 75.5, 52.5)
    ]

    text = table(runs)
    document = markdown(runs, {"run_id": "abc", "timestamp": "now", "machine": {}})

    for printed in (text, document):
        assert "run 1" in printed
        assert "run 3" in printed
        assert "75.5" in printed
        assert "52.5" in printed
        assert "<= 60 ms" in printed
        assert "MISSED" in printed
    assert "| end to end | 202 → visible p99 (ms) | 41.5 | 75.5 | 52.5 | 75.5 | 52.5 |" in document


def test_a_broken_run_is_printed_as_broken() -> None:
    runs = [
        Run([_result("start", at_most("second start", 4.2, "s", 10))], {}, 10),
        Run([], {"start": "Traceback: it broke"}, 10),
    ]

    document = markdown(runs, {"run_id": "abc", "timestamp": "now", "machine": {}})

    assert (
        "| start | second start (s) | 4.20 | broken | 4.20 | 4.20 | <= 10 s | MISSED |" in document
    )
    assert "Traceback: it broke" in document


def test_numbers_get_the_digits_their_size_deserves() -> None:
    assert number(53786.4) == "53,786"
    assert number(59.34) == "59.3"
    assert number(4.2) == "4.20"
    assert number(0.8976) == "0.898"
    assert number(0) == "0"
    assert number(None) == "broken"


def test_a_benchmark_that_broke_in_every_run_still_gets_a_missed_line() -> None:
    runs = [Run([], {"rebuild": "Traceback: no disk"}, 10) for _ in range(3)]

    text = table(runs)

    assert "rebuild" in text
    assert "broke in every run" in text
    assert "MISSED" in text
