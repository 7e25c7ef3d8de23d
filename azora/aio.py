"""Small asyncio helpers shared by the long-running loops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


async def sleep_or_stop(seconds: float, stop: asyncio.Event) -> None:
    """Sleep `seconds`, waking early when `stop` is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def wait_any(event: asyncio.Event, stop: asyncio.Event, timeout: float) -> None:
    """Wait until `event` or `stop` is set, or `timeout` passes."""
    waiters = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(stop.wait())]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def keep_trying(
    attempt: Callable[[], Awaitable[T]],
    stop: asyncio.Event,
    what: str,
    *,
    on_failure: Callable[[], Awaitable[None]] | None = None,
    max_delay: float = 10.0,
) -> T | None:
    """Call `attempt` until it succeeds (with backoff) or `stop` is set (then None).

    Processes start before their dependencies answer and connect as soon as they do.
    """
    delay = 0.5
    while not stop.is_set():
        try:
            return await attempt()
        except Exception as exc:
            log.warning("%s not reachable yet (%r); retrying in %.1fs", what, exc, delay)
            if on_failure is not None:
                await on_failure()
            await sleep_or_stop(delay, stop)
            delay = min(delay * 2, max_delay)
    return None


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT: the process finishes its batch, commits, exits."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop
