"""A failing batch replayed a savepoint per item: who is retried, who is given up on."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from azora.consume.errors import PermanentError, TransientError
from azora.consume.savepoints import OneByOne
from azora.consume.unit_of_work import UnitOfWork
from azora.topics import TopicNames


class FakeConnection:
    """Counts savepoints; rolls nothing back (the outbox marks are what is checked)."""

    def __init__(self) -> None:
        self.savepoints = 0

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        self.savepoints += 1
        yield


def a_unit_of_work() -> UnitOfWork:
    conn: Any = FakeConnection()
    return UnitOfWork(conn, "g", TopicNames("t1."))


def failing(errors: dict[str, Exception]) -> Any:
    async def handle(item: str) -> None:
        if item in errors:
            raise errors[item]

    return handle


async def test_a_permanent_error_gives_up_at_once_and_the_others_apply() -> None:
    one_by_one = OneByOne(max_attempts=5)
    uow = a_unit_of_work()
    given_up = await one_by_one.apply(
        ["a", "b", "c"],
        uow,
        failing({"b": PermanentError("no")}),
        key=str,
        permanent_gives_up=True,
    )
    assert [(g.item, g.attempts) for g in given_up] == [("b", 1)]
    assert uow.conn.savepoints == 3  # type: ignore[attr-defined]


async def test_other_errors_are_retried_until_the_attempt_limit() -> None:
    one_by_one = OneByOne(max_attempts=3)
    handle = failing({"b": ValueError("flaky")})
    for _ in range(2):
        with pytest.raises(ValueError, match="flaky"):
            await one_by_one.apply(
                ["a", "b"], a_unit_of_work(), handle, key=str, permanent_gives_up=True
            )
    given_up = await one_by_one.apply(
        ["a", "b"], a_unit_of_work(), handle, key=str, permanent_gives_up=True
    )
    assert [(g.item, g.attempts) for g in given_up] == [("b", 3)]


async def test_where_permanent_does_not_end_it_a_permanent_error_is_retried_too() -> None:
    one_by_one = OneByOne(max_attempts=2)
    handle = failing({"a": PermanentError("no")})
    with pytest.raises(PermanentError):
        await one_by_one.apply(["a"], a_unit_of_work(), handle, key=str, permanent_gives_up=False)
    given_up = await one_by_one.apply(
        ["a"], a_unit_of_work(), handle, key=str, permanent_gives_up=False
    )
    assert [(g.item, g.attempts) for g in given_up] == [("a", 2)]


async def test_a_transient_error_is_raised_and_never_counted() -> None:
    one_by_one = OneByOne(max_attempts=1)
    with pytest.raises(TransientError):
        await one_by_one.apply(
            ["a"],
            a_unit_of_work(),
            failing({"a": TransientError("down")}),
            key=str,
            permanent_gives_up=True,
        )
    assert (
        await one_by_one.apply(
            ["a"], a_unit_of_work(), failing({}), key=str, permanent_gives_up=True
        )
        == []
    )


async def test_what_a_failed_item_emitted_is_rolled_back() -> None:
    uow = a_unit_of_work()

    async def handle(item: str) -> None:
        uow.outbox.append(item)  # type: ignore[arg-type]
        if item == "b":
            raise PermanentError("no")

    await OneByOne(max_attempts=5).apply(
        ["a", "b", "c"], uow, handle, key=str, permanent_gives_up=True
    )
    assert uow.outbox == ["a", "c"]
