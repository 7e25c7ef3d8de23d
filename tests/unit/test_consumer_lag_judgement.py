"""Burrow-style statuses from windows of offsets, and how the exporter shows them."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from rich.console import Console

from stack.lag.collector import LagCollector
from stack.lag.report import LagJudge, is_replay_group
from stack.lag.sampling import GroupLag, PartitionLag
from stack.lag.status import Point, Status, judge, worst
from stack.lag.table import lag_table, seconds


def window(*points: tuple[int, int]) -> list[Point]:
    return [Point(committed, end) for committed, end in points]


def test_a_consumer_that_touched_zero_lag_in_the_window_is_ok() -> None:
    assert judge(window((10, 20), (20, 20), (20, 30)), has_members=True) is Status.OK


def test_a_consumer_moving_forward_while_lag_shrinks_is_ok() -> None:
    assert judge(window((10, 50), (30, 60), (55, 65)), has_members=True) is Status.OK


def test_a_consumer_moving_but_falling_further_behind_is_warn() -> None:
    assert judge(window((10, 50), (20, 70), (30, 95)), has_members=True) is Status.WARN


def test_lag_that_holds_steady_while_the_consumer_moves_is_not_a_warning() -> None:
    assert judge(window((10, 50), (20, 60), (30, 70)), has_members=True) is Status.OK


def test_a_group_with_members_whose_offset_never_moves_under_lag_is_stalled() -> None:
    assert judge(window((10, 50), (10, 60), (10, 70)), has_members=True) is Status.STALL


def test_a_group_without_members_whose_offset_never_moves_under_lag_is_stopped() -> None:
    assert judge(window((10, 50), (10, 50), (10, 60)), has_members=False) is Status.STOP


def test_an_offset_that_goes_backwards_is_an_error() -> None:
    assert judge(window((30, 50), (10, 60)), has_members=True) is Status.ERR


def test_an_offset_past_the_log_end_is_an_error() -> None:
    assert judge(window((70, 60), (70, 60)), has_members=True) is Status.ERR


def test_one_lagging_sample_says_nothing_yet() -> None:
    assert judge(window((10, 50)), has_members=False) is Status.OK


def test_a_group_is_as_bad_as_its_worst_partition() -> None:
    assert worst([Status.OK, Status.STOP, Status.WARN]) is Status.STOP
    assert worst([]) is Status.OK


def test_replay_groups_are_named_replay_after_the_deployment_prefix() -> None:
    assert is_replay_group("replay-users-v2")
    assert is_replay_group("t1.replay-users-v2", prefix="t1.")
    assert not is_replay_group("projections")
    assert not is_replay_group("t1.projections-replay-", prefix="t1.")


def sample(group: str, committed: int, end: int, members: int, at: float) -> GroupLag:
    # Ages are the sample's clock reading: enough to tell one sample from another.
    lag_seconds = 0.0 if committed == end else at
    return GroupLag(
        group, "Empty", members, (PartitionLag("t", 0, committed, end, lag_seconds),), at
    )


def test_the_judge_keeps_a_window_per_partition_and_forgets_vanished_groups() -> None:
    judge_ = LagJudge(window=3)
    reports = []
    for n, end in enumerate((10, 20, 30)):
        reports = judge_.observe([sample("g", 10, end, 0, 200.0 + n)])
    assert reports[0].status is Status.OK  # the window still holds the zero-lag sample
    reports = judge_.observe([sample("g", 10, 40, 0, 203.0)])
    assert reports[0].status is Status.STOP
    assert reports[0].total_lag == 30
    assert reports[0].max_lag_seconds == 203.0
    # Gone and back: it starts from an empty window, not from its old history.
    judge_.observe([])
    assert judge_.observe([sample("g", 10, 40, 0, 205.0)])[0].status is Status.OK


def test_the_collector_writes_one_status_series_per_status_and_marks_the_current_one() -> None:
    judge_ = LagJudge(window=2)
    judge_.observe([sample("replay-users-v1", 5, 9, 1, 1.0)])
    collector = LagCollector()
    collector.update(judge_.observe([sample("replay-users-v1", 5, 12, 1, 2.0)]))
    registry = CollectorRegistry()
    registry.register(collector)
    text = generate_latest(registry).decode()
    labels = 'group="replay-users-v1",replay="true"'
    assert f'azora_consumergroup_status{{{labels},status="STALL"}} 1.0' in text
    assert f'azora_consumergroup_status{{{labels},status="OK"}} 0.0' in text
    assert f"azora_consumergroup_status_code{{{labels}}} 2.0" in text
    assert f"azora_consumergroup_total_lag_messages{{{labels}}} 7.0" in text
    part = 'group="replay-users-v1",partition="0",replay="true",topic="t"'
    assert f"azora_consumergroup_lag_seconds{{{part}}} 2.0" in text
    assert f"azora_consumergroup_committed_offset{{{part}}} 5.0" in text


def test_the_table_names_each_status_and_reads_seconds_as_people_do() -> None:
    judge_ = LagJudge(window=2)
    judge_.observe([sample("identity", 5, 9, 0, 100.0)])
    reports = judge_.observe([sample("identity", 5, 9, 0, 150.0)])
    console = Console(width=200, record=True)
    console.print(lag_table(reports, partitions=True))
    text = console.export_text()
    assert "identity" in text
    assert "STOP" in text
    assert "2m30s" in text  # 150 s, the latest age
    assert [seconds(0), seconds(4.25), seconds(185), seconds(7620), seconds(None)] == [
        "0s",
        "4.2s",
        "3m05s",
        "2h07m",
        "?",
    ]
