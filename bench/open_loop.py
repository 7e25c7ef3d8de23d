"""An open-loop load: requests on a fixed schedule, whatever the server's pace."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

# At most this many requests wait at once: a server that falls behind shows as a lower
# achieved rate, not as a client drowning in waiting requests.
IN_FLIGHT = 64


async def open_loop(
    rate: int, seconds: int, send: Callable[[int], Coroutine[Any, Any, None]]
) -> float:
    """Call `send(i)` `rate` times a second on a fixed schedule, at most IN_FLIGHT at once.

    The cap keeps a stack that falls behind from drowning the client in waiting requests;
    falling behind then shows as an achieved rate below `rate`, and every latency is still
    measured from the 202.
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    slots = asyncio.Semaphore(IN_FLIGHT)
    tasks: set[asyncio.Task[None]] = set()

    async def bounded(i: int) -> None:
        try:
            await send(i)
        finally:
            slots.release()

    for i in range(rate * seconds):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        await slots.acquire()
        task = asyncio.create_task(bounded(i))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    return loop.time() - start
