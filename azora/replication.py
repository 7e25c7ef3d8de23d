"""How many copies of each topic the cluster keeps, and how many must have a write.

One broker: one replica, and a write needs that one. Three brokers or more: three replicas,
and a write (acks=all, as every producer of ours sends) needs two of them, so one broker may
be down, killed or being rolled, without an acknowledged record lost or a write refused.
"""

from __future__ import annotations

from dataclasses import dataclass

# Three replicas, two of them required, take one broker down at a time (a crash, a rolling
# restart) in their stride; more replicas than that only cost disk and replication traffic.
MOST_REPLICAS_BY_DEFAULT = 3


class ReplicationError(ValueError):
    """A replication setting the cluster cannot honour (said in the message)."""


@dataclass(frozen=True)
class Replication:
    """Replicas per partition, and how many of them must have a write before it is acked."""

    factor: int
    min_insync: int


def default_min_insync(factor: int) -> int:
    """A majority of the replicas from three up (2 of 3, 3 of 5); the one replica below."""
    return 1 if factor < 3 else factor // 2 + 1


def replication_for(
    brokers: int, factor: int | None = None, min_insync: int | None = None
) -> Replication:
    """What new topics get on a cluster of `brokers`: as asked, else the defaults above."""
    if brokers < 1:
        raise ReplicationError("the cluster reports no broker")
    factor = factor if factor is not None else min(brokers, MOST_REPLICAS_BY_DEFAULT)
    if not 1 <= factor <= brokers:
        raise ReplicationError(
            f"replication factor {factor} needs at least {factor} brokers; "
            f"the cluster has {brokers}"
        )
    min_insync = min_insync if min_insync is not None else default_min_insync(factor)
    if not 1 <= min_insync <= factor:
        raise ReplicationError(
            f"min.insync.replicas {min_insync} must be between 1 and the replication "
            f"factor {factor}, or no write would ever be acknowledged"
        )
    return Replication(factor, min_insync)


def min_insync_for_existing(wanted: Replication, replicas: int) -> int:
    """min.insync.replicas for a topic that already has `replicas` replicas.

    Kafka never adds replicas to a topic by itself, so an older topic may have fewer than
    `wanted`: it gets what it can honour, never more than it has replicas (every write to
    it would be refused).
    """
    if replicas >= wanted.factor:
        return wanted.min_insync
    return min(wanted.min_insync, default_min_insync(replicas))
