"""The dead_letters read model rebuilds from the .dlq topics and the re-drive facts."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from azora import db as azora_db
from azora import dead_letter_records as records
from azora.consume.service import Service
from azora.messages import OutgoingMessage
from schemas import catalogue
from schemas.envelope import utcnow
from stack import composition
from stack.rebuild.runner import ProjectionRebuild
from tests.support.world import World, eventually, running

pytestmark = pytest.mark.integration

SPEC = catalogue.USER_REGISTRATION_REQUESTED


async def test_a_rebuilt_dead_letters_projection_equals_the_live_one(
    private_world: World,
) -> None:
    world = private_world
    # Garbage on a topic two groups read (`reader`, and `projections` for command
    # status): each dead-letters every record.
    reader = Service(name="reader", handlers={SPEC: _never_called})
    await world.produce([(SPEC, f"k{i}".encode(), f"garbage {i}".encode()) for i in range(6)])
    db = await azora_db.connect(world.settings.database_url)
    try:
        async with running(world, reader, *composition.services(world.settings)["projections"]):
            await eventually(lambda: _rows(db, 12))
            # Two of reader's re-driven: both groups fail on them again (four more dead
            # letters), and the projection notes the re-drives.
            producer = await composition.started_producer(world.settings, "test")

            async def send(message: OutgoingMessage) -> None:
                await producer.send_and_wait(
                    message.topic, message.value, key=message.key, headers=list(message.headers)
                )

            try:
                group = [world.names.group(reader.name)]
                for row in (
                    await records.dead_letters_of(db, world.names, _topic(world), groups=group)
                )[:2]:
                    await records.redrive(send, world.names, row, by="test", at=utcnow())
            finally:
                await producer.stop()
            await eventually(lambda: _rows(db, 16))
            await eventually(lambda: _redriven(db, 2))

            rebuild = ProjectionRebuild(
                world.settings,
                composition.projections(world.settings)["dead_letters"],
                world.names,
                final_gap=0,
                verify=True,
                # The .dlq topics keep 30 days: a rebuild reads what is left.
                allow_truncated=True,
            )
            outcome = await asyncio.wait_for(rebuild.run(asyncio.Event()), timeout=120)

        assert outcome is not None
        assert set(outcome.checksums) == {"dead_letters", "dead_letter_redrives"}
        for table, (live, rebuilt) in outcome.checksums.items():
            assert live == rebuilt, table
        assert await db.fetchval("SELECT count(*) FROM read.dead_letters") == 16
        assert await _redriven(db, 2)
    finally:
        await db.close()


async def _never_called(*_: object) -> None:
    raise AssertionError("garbage never reaches a handler")


def _topic(world: World) -> str:
    return world.names.physical(SPEC)


async def _rows(db: asyncpg.Connection, count: int) -> bool:
    return bool(await db.fetchval("SELECT count(*) FROM read.dead_letters") >= count)


async def _redriven(db: asyncpg.Connection, count: int) -> bool:
    found = await db.fetchval(
        "SELECT count(*) FROM read.dead_letters WHERE redriven_at IS NOT NULL"
    )
    return bool(found == count)
