"""Liveness from a process's heartbeats, readiness from checks of what it depends on.

- /healthz (liveness): every loop of the process beat within its deadline. A wedged loop
  answers 503, and only a restart helps it. A dependency that is down is not a reason:
  restarting a consumer does not bring Postgres back.
- /readyz (readiness): every check passes within its timeout: Kafka answers, each of the
  process's databases answers, each consume loop has started (its partitions assigned or
  waiting for an assignment). A check passes by returning a short word of detail, and
  fails by raising.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from azora.health.heartbeat import Clock, Heartbeat

Check = Callable[[], Awaitable[str]]
# How long a readiness check may take before it counts as failed; a probe's own timeout
# (Kubernetes: 3 s by default here) must be longer.
CHECK_TIMEOUT_S = 2.0


class NotYet(RuntimeError):
    """A check's subject does not exist yet: the process is still starting."""


class Probes:
    """The heartbeats and checks one process registers, evaluated for its probes."""

    def __init__(
        self,
        deadline_s: float,
        *,
        clock: Clock = time.monotonic,
        check_timeout_s: float = CHECK_TIMEOUT_S,
    ) -> None:
        self.deadline_s = deadline_s
        self.clock = clock
        self.check_timeout_s = check_timeout_s
        self._heartbeats: dict[str, Heartbeat] = {}
        self._checks: dict[str, Check] = {}

    def heartbeat(self, name: str) -> Heartbeat:
        """A loop's heartbeat (one per name), on this process's clock and deadline."""
        if name not in self._heartbeats:
            self._heartbeats[name] = Heartbeat(name, self.deadline_s, self.clock)
        return self._heartbeats[name]

    def check(self, name: str, check: Check) -> None:
        """Count `check` in readiness, under `name`."""
        self._checks[name] = check

    def liveness(self) -> tuple[int, dict[str, Any]]:
        """200 while every loop beats within the deadline; 503 naming the wedged ones."""
        loops = {
            name: {"silent_s": round(beat.silent_for(), 3), "alive": beat.alive()}
            for name, beat in self._heartbeats.items()
        }
        wedged = sorted(name for name, loop in loops.items() if not loop["alive"])
        body = {
            "status": "wedged" if wedged else "ok",
            "deadline_s": self.deadline_s,
            "loops": loops,
            "wedged": wedged,
        }
        return (503 if wedged else 200), body

    async def readiness(self) -> tuple[int, dict[str, Any]]:
        """200 when every check passes; 503 naming the ones that do not, and why."""
        names = list(self._checks)
        outcomes = await asyncio.gather(*(self._run(self._checks[name]) for name in names))
        checks = dict(zip(names, outcomes, strict=True))
        failed = [name for name, (ok, _) in checks.items() if not ok]
        body = {
            "status": "unavailable" if failed or not checks else "ready",
            "checks": {name: ok for name, (ok, _) in checks.items()},
            "details": {name: detail for name, (_, detail) in checks.items()},
            "failed": failed,
        }
        # Nothing registered yet: the process has not set itself up, so it is not ready.
        return (503 if failed or not checks else 200), body

    async def _run(self, check: Check) -> tuple[bool, str]:
        try:
            return True, await asyncio.wait_for(check(), self.check_timeout_s)
        except TimeoutError:
            return False, f"no answer within {self.check_timeout_s:g} s"
        except Exception as exc:
            return False, _said(exc)


class Queryable(Protocol):
    """A pool or a connection: what a database check asks."""

    async def fetchval(self, query: str, *args: Any, timeout: float | None = None) -> Any: ...


def database_check(pool_of: Callable[[], Queryable | None]) -> Check:
    """Passes while the database behind `pool_of()` answers a trivial query."""

    async def check() -> str:
        pool = pool_of()
        if pool is None:
            raise NotYet("not connected yet")
        await pool.fetchval("SELECT 1")
        return "ok"

    return check


def kafka_check(ask: Callable[[], Awaitable[object] | None]) -> Check:
    """Passes while the brokers answer the metadata request `ask()` makes (None: no client
    yet), e.g. a consumer's `topics()` or a producer's `client.fetch_all_metadata()`."""

    async def check() -> str:
        request = ask()
        if request is None:
            raise NotYet("not connected yet")
        await request
        return "ok"

    return check


def _said(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__
