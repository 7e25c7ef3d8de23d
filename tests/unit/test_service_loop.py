"""Long-running processes (consumers, the relay, the lag exporter) run on uvloop."""

from __future__ import annotations

import asyncio

import pytest
import uvloop

from azora import runtime


def test_a_service_runs_its_main_coroutine_on_uvloop_and_returns_its_result() -> None:
    async def main() -> tuple[bool, int]:
        await asyncio.sleep(0)
        return isinstance(asyncio.get_running_loop(), uvloop.Loop), 42

    assert runtime.run_service(main()) == (True, 42)


def test_an_error_in_a_service_reaches_the_caller_and_the_loop_is_closed() -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    async def main() -> None:
        loops.append(asyncio.get_running_loop())
        raise LookupError("broken")

    with pytest.raises(LookupError, match="broken"):
        runtime.run_service(main())
    assert loops[0].is_closed()
