"""How many replicas `azora topics apply` gives topics, and how many must have each write."""

from __future__ import annotations

import pytest

from azora.replication import (
    Replication,
    ReplicationError,
    min_insync_for_existing,
    replication_for,
)


def test_a_single_broker_gets_one_replica_and_needs_only_it() -> None:
    assert replication_for(brokers=1) == Replication(factor=1, min_insync=1)


def test_three_brokers_get_three_replicas_and_a_write_needs_two() -> None:
    assert replication_for(brokers=3) == Replication(factor=3, min_insync=2)


def test_a_larger_cluster_still_gets_three_replicas_by_default() -> None:
    assert replication_for(brokers=6) == Replication(factor=3, min_insync=2)


def test_two_brokers_get_two_replicas_and_a_write_needs_one() -> None:
    assert replication_for(brokers=2) == Replication(factor=2, min_insync=1)


def test_an_explicit_factor_gets_a_majority_in_sync() -> None:
    assert replication_for(brokers=5, factor=5) == Replication(factor=5, min_insync=3)


def test_explicit_settings_win_over_the_defaults() -> None:
    assert replication_for(brokers=3, factor=3, min_insync=3) == Replication(3, 3)


@pytest.mark.parametrize(
    ("brokers", "factor", "min_insync", "reason"),
    [
        (1, 3, None, "needs at least 3 brokers; the cluster has 1"),
        (3, 0, None, "replication factor 0"),
        (3, 3, 4, "no write would ever be acknowledged"),
        (3, 3, 0, "no write would ever be acknowledged"),
        (0, None, None, "reports no broker"),
    ],
)
def test_a_setting_the_cluster_cannot_honour_is_refused_with_its_reason(
    brokers: int, factor: int | None, min_insync: int | None, reason: str
) -> None:
    with pytest.raises(ReplicationError, match=reason):
        replication_for(brokers, factor, min_insync)


def test_an_older_topic_with_one_replica_is_never_asked_for_two_in_sync() -> None:
    wanted = Replication(factor=3, min_insync=2)

    assert min_insync_for_existing(wanted, replicas=1) == 1
    assert min_insync_for_existing(wanted, replicas=3) == 2
