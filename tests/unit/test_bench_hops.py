"""Where the end-to-end time goes: each hop's spread from every command's marks
(`bench/hops.py`). Made-up marks, no stack, no network.
"""

from __future__ import annotations

from bench.hop_marks import asked_before_settled
from bench.hops import consistent, hops
from bench.percentiles import percentile
from bench.stack_load import Timings

# One command's way, in seconds: 2 ms in the ingress, 4 ms to the wallet's batch, ...
ONE = {
    "posted": 100.000,
    "built": 100.002,
    "accepted": 100.005,
    "wallet_began": 100.006,
    "wallet_committed": 100.009,
    "relayed": 100.010,
    "projection_began": 100.014,
    "projection_committed": 100.016,
    "notified": 100.017,
    "answered": 100.018,
}


def _by_name(marks: dict[str, dict[str, float]]) -> dict[str, tuple[int, float, float]]:
    return {
        hop.name: (hop.commands, round(hop.p50_ms, 3), round(hop.p99_ms, 3)) for hop in hops(marks)
    }


def test_every_hop_is_the_time_between_its_two_marks() -> None:
    spread = _by_name({"c1": ONE})

    assert spread["ingress: POST → command built (HTTP, token, body)"] == (1, 2.0, 2.0)
    assert spread["ingress publish: built → 202 (acks=all, response)"] == (1, 3.0, 3.0)
    assert spread["Kafka → wallet batch begins (fetch wait, decode)"] == (1, 4.0, 4.0)
    assert spread["wallet batch: apply + commit"] == (1, 3.0, 3.0)
    assert spread["outbox relay: commit → handed to Kafka"] == (1, 1.0, 1.0)
    assert spread["Kafka → projection batch begins"] == (1, 4.0, 4.0)
    assert spread["projection batch: apply + commit"] == (1, 2.0, 2.0)
    assert spread["NOTIFY: commit → listener"] == (1, 1.0, 1.0)
    assert spread["waiter: NOTIFY → ?wait= answered"] == (1, 1.0, 1.0)
    assert spread["total: command built → listener"] == (1, 15.0, 15.0)


def test_the_hops_from_the_command_to_the_listener_add_up_to_the_total() -> None:
    spread = _by_name({"c1": ONE})
    chain = [
        "Kafka → wallet batch begins (fetch wait, decode)",
        "wallet batch: apply + commit",
        "outbox relay: commit → handed to Kafka",
        "Kafka → projection batch begins",
        "projection batch: apply + commit",
        "NOTIFY: commit → listener",
    ]

    assert (
        round(sum(spread[name][1] for name in chain), 3)
        == spread["total: command built → listener"][1]
    )


def test_a_hop_counts_only_the_commands_that_have_both_its_marks() -> None:
    unsampled = {mark: at for mark, at in ONE.items() if mark != "answered"}

    spread = _by_name({"c1": ONE, "c2": unsampled, "c3": unsampled})

    assert spread["waiter: NOTIFY → ?wait= answered"][0] == 1
    assert spread["NOTIFY: commit → listener"][0] == 3


def test_without_commit_times_the_merged_hops_stand_in_for_the_split_ones() -> None:
    no_commits = {m: at for m, at in ONE.items() if not m.endswith("_committed")}

    spread = _by_name({"c1": no_commits})

    assert "wallet batch: apply + commit" not in spread
    assert spread["wallet batch + outbox relay: begins → handed to Kafka"] == (1, 4.0, 4.0)
    assert spread["projection batch + NOTIFY: begins → listener"] == (1, 3.0, 3.0)


def test_with_commit_times_the_merged_hops_are_left_out() -> None:
    names = {hop.name for hop in hops({"c1": ONE})}

    assert not any("+" in name and "begins →" in name for name in names)


def test_p50_and_p99_are_taken_across_the_commands() -> None:
    marks = {
        f"c{i}": {"built": 0.0, "notified": (i + 1) / 1000} for i in range(100)
    }  # 1 ms to 100 ms

    [total] = hops(marks)

    assert (total.commands, round(total.p50_ms), round(total.p99_ms)) == (100, 51, 100)


def test_a_settled_row_rewritten_after_its_notify_is_not_this_commands_projection_hop() -> None:
    rewritten = {**ONE, "projection_began": 100.030, "projection_committed": 100.031}

    assert consistent(ONE)
    assert not consistent(rewritten)


def test_the_nearest_rank_percentile() -> None:
    assert percentile([5.0, 1.0, 3.0], 0.5) == 3.0
    assert percentile([5.0, 1.0, 3.0], 0.99) == 5.0
    assert percentile([7.0], 0.99) == 7.0


def test_only_waiters_asked_before_the_outcome_time_the_waiter() -> None:
    timings = Timings(
        visible={"early": 10.0, "late": 10.0},
        asked={"early": 9.0, "late": 10.5},
        answered={"early": 10.2, "late": 10.6},
    )

    assert asked_before_settled(timings) == {"early": 10.2}
