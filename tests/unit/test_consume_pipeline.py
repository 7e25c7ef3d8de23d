"""Batches handed to `InOrder` are applied one after the other, in the order handed over."""

from __future__ import annotations

import asyncio

import pytest

from azora.consume.batch import Batch
from azora.consume.pipeline import applying_in_order


def numbered(count: int) -> list[Batch]:
    batches = []
    for n in range(count):
        batch = Batch()
        batch.record_count = n
        batches.append(batch)
    return batches


async def test_batches_are_applied_in_the_order_they_were_handed_over() -> None:
    applied: list[int] = []

    async def apply(batch: Batch) -> bool:
        batch.begun.set()
        await asyncio.sleep(0.001 * (5 - batch.record_count))  # earlier ones take longer
        applied.append(batch.record_count)
        return True

    async with applying_in_order(apply) as batches:
        for batch in numbered(5):
            await batches.hand(batch)
        assert await batches.finish() is True
    assert applied == [0, 1, 2, 3, 4]


async def test_the_caller_goes_on_only_once_the_batch_before_has_begun() -> None:
    release = asyncio.Event()
    handed_second = asyncio.Event()

    async def apply(batch: Batch) -> bool:
        await release.wait()  # holds the first batch before its transaction begins
        batch.begun.set()
        return True

    first, second, third = numbered(3)
    async with applying_in_order(apply) as batches:
        await batches.hand(first)  # nothing before it: handed at once

        async def hand_two_more() -> None:
            await batches.hand(second)
            handed_second.set()
            await batches.hand(third)

        more = asyncio.create_task(hand_two_more())
        await asyncio.sleep(0.01)
        assert not handed_second.is_set()
        release.set()
        await more
        assert await batches.finish() is True


async def test_a_batch_that_stopped_ends_the_applier_and_nothing_after_it_is_applied() -> None:
    applied: list[int] = []

    async def apply(batch: Batch) -> bool:
        batch.begun.set()
        if batch.record_count == 1:
            return False  # stopped before it committed
        applied.append(batch.record_count)
        return True

    async with applying_in_order(apply) as batches:
        zero, one, two = numbered(3)
        await batches.hand(zero)
        await batches.hand(one)
        await batches.hand(two)  # returns: the applier ended instead of beginning `one`'s next
        assert await batches.finish() is False
        assert not batches.running
    assert applied == [0]


async def test_what_broke_the_applier_is_raised_by_finish() -> None:
    async def apply(batch: Batch) -> bool:
        raise RuntimeError("postgres went away")

    async with applying_in_order(apply) as batches:
        await batches.hand(Batch())
        with pytest.raises(RuntimeError, match="postgres went away"):
            await batches.finish()


async def test_leaving_without_finishing_cancels_the_batch_in_hand() -> None:
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def apply(batch: Batch) -> bool:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return True

    async with applying_in_order(apply) as batches:
        await batches.hand(Batch())
        await started.wait()
    await asyncio.sleep(0)
    assert cancelled.is_set()
