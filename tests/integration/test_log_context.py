"""On the real broker and database, the consume loop's log lines say where they happened: a
handler's plain `log.warning` names its group, topic, partition, offset, event and command,
and a dead letter's line names the record it gave up on."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from azora import logs
from azora.consume.errors import PermanentError
from azora.consume.service import service, subscribe
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from schemas import catalogue
from schemas.learning import UserRoleGranted
from tests.support.world import World, eventually, running

pytestmark = pytest.mark.integration

SPEC = catalogue.USER_ROLE_GRANTED
handler_log = logging.getLogger("tests.handler")


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """Every line logged while the test runs, as the processes write them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonLines("test"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def parsed(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def on_role_granted(events: Sequence[Event[UserRoleGranted]], _: UnitOfWork) -> None:
    for event in events:
        handler_log.warning("granting %s", event.payload.role)
        if event.payload.role == "admin":
            raise PermanentError("admins are granted elsewhere")


def a_grant(role: str) -> UserRoleGranted:
    return UserRoleGranted(
        user_id=uuid.uuid4(), role=role, granted_by="cli:ops", granted_at=datetime.now(UTC)
    )


async def test_a_handlers_lines_and_a_dead_letters_line_name_where_they_happened(
    world: World, lines: io.StringIO
) -> None:
    grants = service(f"test-logs-{uuid.uuid4().hex[:8]}", subscribe(SPEC, on_role_granted))
    group = world.names.group(grants.name)
    topic = world.names.physical(SPEC)
    good, bad = await world.publish([a_grant("instructor"), a_grant("admin")])

    async def dead_lettered() -> bool:
        return any("dead-lettering" in line["message"] for line in parsed(lines))

    async with running(world, grants):
        await eventually(dead_lettered, timeout=60)

    found = parsed(lines)
    handled = [
        line
        for line in found
        if line["logger"] == "tests.handler" and line.get("event_id") == str(good.event_id)
    ]
    assert handled, found
    line = handled[-1]
    assert (line["group"], line["topic"], line["command_id"]) == (
        group,
        topic,
        str(good.correlation_id),
    )
    assert isinstance(line["partition"], int)
    assert isinstance(line["offset"], int)
    (letter,) = [line for line in found if "dead-lettering" in line["message"]]
    assert letter["level"] == "ERROR"
    assert (letter["group"], letter["topic"], letter["event_id"]) == (
        group,
        topic,
        str(bad.event_id),
    )
    assert letter["command_id"] == str(bad.correlation_id)
    assert isinstance(letter["offset"], int)
