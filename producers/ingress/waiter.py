"""`?wait=` for command outcomes: one LISTEN connection wakes the requests it concerns."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator

import asyncpg

from azora import channels, db
from azora.aio import sleep_or_stop

log = logging.getLogger(__name__)


class CommandWaiter:
    """Keeps a LISTEN connection open and wakes waiters when their command settles."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._waiters: dict[str, set[asyncio.Event]] = defaultdict(set)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Begin listening in the background (reconnecting when Postgres comes back)."""
        self._task = asyncio.create_task(self._listen_forever())

    async def close(self) -> None:
        """Stop listening."""
        self._stop.set()
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @contextlib.asynccontextmanager
    async def watch(self, command_id: uuid.UUID) -> AsyncIterator[asyncio.Event]:
        """An event set when `command_id` settles; register before reading to miss nothing."""
        event = asyncio.Event()
        key = str(command_id)
        self._waiters[key].add(event)
        try:
            yield event
        finally:
            self._waiters[key].discard(event)
            if not self._waiters[key]:
                del self._waiters[key]

    def _notify(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        for event in self._waiters.get(str(payload), ()):
            event.set()

    def _wake_all(self) -> None:
        # After a reconnect a notification may have been missed: let every waiter re-read.
        for events in self._waiters.values():
            for event in events:
                event.set()

    async def _listen_forever(self) -> None:
        delay = 0.2
        while not self._stop.is_set():
            conn: asyncpg.Connection | None = None
            try:
                conn = await db.connect(self.dsn)
                await conn.add_listener(channels.COMMAND_STATUS, self._notify)
                self._wake_all()
                delay = 0.2
                while not self._stop.is_set() and not conn.is_closed():
                    await sleep_or_stop(1.0, self._stop)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("command waiter: cannot listen (%r); retrying", exc)
                await sleep_or_stop(delay, self._stop)
                delay = min(delay * 2, 10.0)
            finally:
                if conn is not None and not conn.is_closed():
                    await conn.close()
