"""Chaos on the three-broker cluster, two instances of every consumer and of the relay.

Under a mixed load across every service: the broker leading the busiest partitions is
SIGKILLed and started again later, all three brokers are rolled one by one (each back in
every in-sync replica set before the next goes), one of the two instances of every service
is SIGKILLed again and again, and Postgres is restarted. Afterwards every accepted command
has exactly one outcome (in the read model and in the log), no event was applied twice,
every wallet is its ledger and never went below zero, Kafka's committed offsets are the ones
stored with the effects, and no group lags.

Runs only against the repo's cluster (`AZORA_KAFKA_BROKERS=3 make test`: a bounded storm;
`AZORA_KAFKA_BROKERS=3 make chaos`: at least 10,000 commands).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable

import pytest

from stack import composition
from tests.chaos.cluster import Brokers, Watch, cluster_is_on
from tests.chaos.exactly_once import offsets_mismatched, outcomes_per_command
from tests.chaos.harness import StartStack, a_load, checked, settled
from tests.chaos.load import Load
from tests.chaos.stack import VICTIMS, ChaosStack
from tests.support.world import World, eventually

pytestmark = [
    pytest.mark.chaos,
    pytest.mark.skipif(
        not cluster_is_on(),
        reason="needs the three-broker cluster: AZORA_KAFKA_BROKERS=3 make test (or make chaos)",
    ),
]

FULL = os.environ.get("AZORA_CHAOS") == "full"
COMMANDS = 10_000 if FULL else 600
USERS = 60 if FULL else 16
WORKERS = 24 if FULL else 12
INSTANCES = 2
# The storm, in order, each step once the load has this share of COMMANDS accepted.
STORM: list[tuple[float, str]] = (
    [
        (0.05, "instances"),
        (0.10, "leader"),
        (0.20, "restart broker"),
        (0.25, "instances"),
        (0.30, "roll"),
        (0.45, "instances"),
        (0.50, "postgres"),
        (0.60, "leader"),
        (0.70, "restart broker"),
        (0.75, "instances"),
        (0.85, "instances"),
        (0.95, "instances"),
    ]
    if FULL
    else [
        (0.10, "instances"),
        (0.20, "leader"),
        (0.35, "restart broker"),
        (0.45, "roll"),
        (0.60, "instances"),
        (0.75, "postgres"),
    ]
)


async def test_nothing_is_lost_or_repeated_through_broker_failovers_rolls_and_kills(
    start_chaos_stack: StartStack, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = await start_chaos_stack(INSTANCES)
    world = stack.world
    topics = world.names.all_physical()
    groups = [world.names.group(role) for role in composition.ROLES]
    brokers = Brokers(world.settings, topics)
    watch = Watch(world.settings, topics, groups)
    await brokers.until_fully_replicated()
    started = time.monotonic()
    watching = asyncio.Event()
    watcher = asyncio.create_task(watch.run(watching))
    try:
        async with a_load(stack, USERS) as load:
            storm_over = asyncio.Event()
            accepted = asyncio.Queue[int]()
            killed: list[int] = []

            async def restart_postgres() -> None:
                await asyncio.to_thread(stack.restart_postgres)

            async def kill_leader() -> None:
                killed.append(await brokers.kill_busiest_leader())

            steps: dict[str, Callable[[], Awaitable[None]]] = {
                "instances": lambda: _kill_one_instance_of_each(stack, load),
                "leader": kill_leader,
                "restart broker": lambda: brokers.restart(killed.pop()),
                "roll": brokers.roll,
                "postgres": restart_postgres,
            }

            async def storm() -> None:
                try:
                    for share, step in STORM:
                        while (await accepted.get()) < share * COMMANDS:
                            pass
                        await steps[step]()
                finally:
                    storm_over.set()

            raging = asyncio.create_task(storm())
            # The load goes on until the storm is over, however long the storm takes.
            await load.run(
                COMMANDS, WORKERS, accepted.put_nowait, keep_going=lambda: not storm_over.is_set()
            )
            await raging
            stormed = time.monotonic() - started

        await settled(world.settings, FULL, load.tally.accepted)
        await eventually(lambda: _offsets_agree(world, groups), timeout=120, interval=1.0)
        recovered = time.monotonic() - started - stormed
        findings = await checked(world, load)
        outcomes = await outcomes_per_command(world)
    finally:
        watching.set()
        await watcher

    lost = [c for c in load.tally.accepted if not outcomes.get(c)]
    repeated = [c for c in load.tally.accepted if len(outcomes.get(c, ())) > 1]
    counts = {
        "commands accepted": len(load.tally.accepted),
        "instance kills (one of two)": f"{len(stack.kills)} {sorted(set(stack.kills))}",
        "leader brokers SIGKILLed": brokers.leader_kills,
        "brokers rolled": brokers.rolled,
        "postgres restarts": stack.postgres_restarts,
        "partition leader changes seen": watch.leader_changes,
        "rebalances seen": dict(watch.rebalances),
        "failover after a leader kill (s)": [round(s, 1) for s in brokers.failover_s],
        "broker back in every ISR after a start (s)": [round(s, 1) for s in brokers.back_in_sync_s],
        "lost (accepted, no outcome in the log)": len(lost),
        "duplicated (two outcomes for one command)": len(repeated),
        "seconds under the storm / to recover after it": f"{stormed:.0f} / {recovered:.0f}",
        **findings.counts,
    }
    with capsys.disabled():  # the figures are the point: print them even when all is well
        print("\ncluster chaos run:")
        for name, value in counts.items():
            print(f"  {name}: {value}")
    assert len(load.tally.accepted) >= COMMANDS
    assert len(brokers.leader_kills) == sum(1 for _, step in STORM if step == "leader")
    assert brokers.rolled == [1, 2, 3]
    assert stack.postgres_restarts == 1
    assert len(stack.kills) == len(VICTIMS) * sum(1 for _, s in STORM if s == "instances")
    assert watch.leader_changes > 0
    assert sum(watch.rebalances.values()) > 0
    assert lost == []
    assert repeated == []
    assert findings.violations == []


async def _kill_one_instance_of_each(stack: ChaosStack, load: Load) -> None:
    """SIGKILL one of the two instances of every consumer role and of the relay."""
    for victim in VICTIMS:
        # Just after an earlier kill the instance may not be back yet: wait for it.
        for _ in range(120):
            if stack.kill(victim, load.rng):
                break
            await asyncio.sleep(0.5)
        else:
            raise AssertionError(f"{victim}: not both instances running for a minute")


async def _offsets_agree(world: World, groups: list[str]) -> bool:
    return not await offsets_mismatched(world, groups)
