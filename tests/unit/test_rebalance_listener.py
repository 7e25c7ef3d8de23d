"""The rebalance listener: a revoke waits for the batch in hand, but never past its bound."""

from __future__ import annotations

import asyncio
from typing import Any

from azora.consume.observation import Observer
from azora.consume.offsets import KafkaCommits, SeekToStoredOffsets


def listener(wait_idle: Any, revoke_wait_s: float) -> SeekToStoredOffsets:
    unused: Any = None
    return SeekToStoredOffsets(
        unused,
        unused,
        "g",
        KafkaCommits(unused, "g", 1.0),
        wait_idle=wait_idle,
        revoke_wait_s=revoke_wait_s,
        backoff_initial_s=0.1,
        backoff_max_s=1.0,
        observer=Observer(),
    )


async def test_a_revoke_waits_for_the_batch_being_applied() -> None:
    applied = asyncio.Event()

    async def batch_applied() -> None:
        await asyncio.sleep(0)
        applied.set()

    await listener(batch_applied, revoke_wait_s=3600).on_partitions_revoked(set())
    assert applied.is_set()


async def test_a_revoke_gives_up_waiting_for_a_batch_that_never_finishes() -> None:
    # aiokafka rejoins only after the callback: one that waited for ever would get the
    # member evicted and its partitions stalled.
    waits: list[str] = []

    async def batch_never_ends() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            waits.append("given up")
            raise

    revoking = listener(batch_never_ends, revoke_wait_s=0.01).on_partitions_revoked(set())
    await asyncio.wait_for(revoking, timeout=60)
    assert waits == ["given up"], "no waiter left behind on the applier's lock"
