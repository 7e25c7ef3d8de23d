"""Chaos: consumers and the relay SIGKILLed, the broker and Postgres restarted, under load.

`make test` runs a bounded storm; `make chaos` the full one (AZORA_CHAOS=full): at least
10,000 commands, 12 kills, one broker restart and one Postgres restart. Afterwards every
accepted command has exactly one final status, every read-model row exists once, every
wallet is its ledger, money is neither created nor lost, and nothing was dead-lettered.
"""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from tests.chaos.harness import StartStack, a_load, checked, settled
from tests.chaos.stack import VICTIMS

pytestmark = pytest.mark.chaos

FULL = os.environ.get("AZORA_CHAOS") == "full"
COMMANDS = 10_000 if FULL else 600
KILLS = 12 if FULL else 4
USERS = 60 if FULL else 16
WORKERS = 24 if FULL else 12


async def test_nothing_is_lost_or_repeated_through_kills_and_restarts(
    start_chaos_stack: StartStack, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = await start_chaos_stack(1)
    world = stack.world
    started = time.monotonic()
    async with a_load(stack, USERS) as load:
        # The storm: kills spread over the run, a broker and a Postgres restart.
        hurts = _plan(COMMANDS, KILLS)
        done_hurting = asyncio.Event()
        progress = asyncio.Queue[int]()

        async def hurt() -> None:
            rng = load.rng
            for at, what in hurts:
                while (await progress.get()) < at:
                    pass
                if what == "kill":
                    victim = rng.choice(VICTIMS)
                    # Just after a restart a child may not be up yet: try another.
                    for _ in range(20):
                        if stack.kill(victim):
                            break
                        await asyncio.sleep(0.5)
                elif what == "broker":
                    await asyncio.to_thread(stack.restart_broker)
                else:
                    await asyncio.to_thread(stack.restart_postgres)
            done_hurting.set()

        hurting = asyncio.create_task(hurt())
        await load.run(COMMANDS, WORKERS, progress.put_nowait)
        while not done_hurting.is_set():
            progress.put_nowait(COMMANDS * 10)
            await asyncio.sleep(0.1)
        await hurting
        loaded = time.monotonic() - started

    await settled(world.settings, FULL, load.tally.accepted)
    findings = await checked(world, load)

    findings.counts["consumer and relay kills"] = f"{len(stack.kills)} {sorted(stack.kills)}"
    findings.counts["broker restarts"] = stack.broker_restarts
    findings.counts["postgres restarts"] = stack.postgres_restarts
    findings.counts["retries while the platform could not take a request"] = dict(
        load.tally.retries
    )
    findings.counts["refused (4xx)"] = dict(load.tally.refused)
    findings.counts["seconds under load / to settle"] = (
        f"{loaded:.0f} / {time.monotonic() - started - loaded:.0f}"
    )
    with capsys.disabled():  # the counts are the point: print them even when all is well
        print("\nchaos run:")
        for name, value in findings.counts.items():
            print(f"  {name}: {value}")
    assert len(stack.kills) >= KILLS
    assert stack.broker_restarts == 1
    assert stack.postgres_restarts == 1
    assert len(load.tally.accepted) >= COMMANDS
    assert findings.violations == []


def _plan(commands: int, kills: int) -> list[tuple[int, str]]:
    """At which accepted-command counts to hurt the stack, in order."""
    plan = [(commands * (i + 1) // (kills + 2), "kill") for i in range(kills)]
    plan += [(commands * 2 // 5, "broker"), (commands * 7 // 10, "postgres")]
    return sorted(plan)
