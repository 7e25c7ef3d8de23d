"""Applying batches in a task of their own while the caller fetches and decodes the next.

Python decodes and Postgres applies: run one after the other, each process idles while the
other works. Here the applier task goes from one transaction straight to the next, the
caller fetches and decodes the next batch while Postgres works on this one (two processes
on two cores), and batches are still applied strictly in the order they were handed over.
The consume loop and a projection rebuild both drive their batches through it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

from azora.consume.batch import Batch

# Applies one batch: False when it stopped first (nothing of it committed).
ApplyOne = Callable[[Batch], Awaitable[bool]]


class InOrder:
    """Applies the batches handed to it, in order, in a task of its own."""

    def __init__(self, apply: ApplyOne) -> None:
        self._apply = apply
        self._ready: asyncio.Queue[Batch | None] = asyncio.Queue()
        self._handed: Batch | None = None
        self._task = asyncio.create_task(self._apply_in_order())

    @property
    def running(self) -> bool:
        """False once the applier has ended: stopped before a batch, or broken."""
        return not self._task.done()

    async def hand(self, batch: Batch) -> None:
        """Queue `batch` after the ones handed before it.

        One batch waits at most, and the caller goes on (to fetch the next) only once the
        applier has begun the batch before this one: BEGIN's answer is then taken up at
        once, and the fetching runs while Postgres works on the batch's statements.
        """
        if self._handed is not None:
            await _unless_ended(self._handed.begun.wait(), self._task)
        self._ready.put_nowait(batch)
        self._handed = batch

    async def finish(self) -> bool:
        """Wait until every batch handed over is applied: False if the applier stopped
        before one of them; raises what broke it."""
        self._handed = None
        self._ready.put_nowait(None)
        return await self._task

    def cancel(self) -> None:
        """End the applier where it stands (a batch in hand rolls back)."""
        self._task.cancel()

    async def _apply_in_order(self) -> bool:
        while (batch := await self._ready.get()) is not None:
            applied = await self._apply(batch)
            del batch  # freed where the caller drops it, not in the applier's way
            if not applied:
                # Stopped before that batch committed: a later one must not commit either,
                # or its offsets would skip the unfinished batch for good.
                return False
        return True


@contextlib.asynccontextmanager
async def applying_in_order(apply: ApplyOne) -> AsyncIterator[InOrder]:
    """An `InOrder` applier, cancelled on the way out unless it was finished."""
    pipeline = InOrder(apply)
    try:
        yield pipeline
    finally:
        pipeline.cancel()


async def _unless_ended(waiting: Coroutine[Any, Any, Any], applier: asyncio.Task[bool]) -> None:
    """Wait for `waiting`, unless the applier ends first (stopped, or broken)."""
    waiter = asyncio.ensure_future(waiting)
    await asyncio.wait({waiter, applier}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
