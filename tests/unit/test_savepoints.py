"""A failing batch replayed a savepoint per item: who is retried, who is given up on."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from azora.consume.attempts import Attempts
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


def failing(errors: dict[str, Exception], calls: dict[str, int] | None = None) -> Any:
    async def handle(item: str) -> None:
        if calls is not None:
            calls[item] = calls.get(item, 0) + 1
        if item in errors:
            raise errors[item]

    return handle


def one_by_one(max_attempts: int) -> OneByOne:
    return OneByOne(Attempts(max_attempts))


async def test_a_permanent_error_gives_up_at_once_and_the_others_apply() -> None:
    uow = a_unit_of_work()
    found = await one_by_one(5).apply(
        ["a", "b", "c"],
        uow,
        failing({"b": PermanentError("no")}),
        key=str,
        permanent_gives_up=True,
    )
    assert [(g.item, g.attempts) for g in found.given_up] == [("b", 1)]
    assert found.retry == []
    assert uow.conn.savepoints == 3  # type: ignore[attr-defined]


async def test_other_errors_are_retried_until_the_attempt_limit() -> None:
    applier = one_by_one(3)
    handle = failing({"b": ValueError("flaky")})
    for _ in range(2):
        found = await applier.apply(
            ["a", "b"], a_unit_of_work(), handle, key=str, permanent_gives_up=True
        )
        assert found.retry == ["b"]
        assert found.given_up == []
    found = await applier.apply(
        ["a", "b"], a_unit_of_work(), handle, key=str, permanent_gives_up=True
    )
    assert [(g.item, g.attempts) for g in found.given_up] == [("b", 3)]


async def test_every_failing_item_is_counted_in_one_pass_so_k_bad_items_cost_the_limit() -> None:
    applier = one_by_one(5)
    calls: dict[str, int] = {}
    bad = {name: ValueError(name) for name in "bdfh"}
    handle = failing(bad, calls)
    items = list("abcdefghij")
    passes = 0
    while True:
        passes += 1
        found = await applier.apply(
            items, a_unit_of_work(), handle, key=str, permanent_gives_up=True
        )
        if not found.retry:
            break
    assert passes == 5, "the bad items reach their limit together"
    assert sorted(g.item for g in found.given_up) == sorted(bad)
    assert all(g.attempts == 5 for g in found.given_up)
    assert all(calls[name] == 5 for name in bad), "each bad item is tried exactly its limit"


async def test_an_item_given_up_on_in_a_pass_that_rolled_back_is_not_run_again() -> None:
    applier = one_by_one(1)
    calls: dict[str, int] = {}
    handle = failing({"a": ValueError("bug")}, calls)
    first = await applier.apply(["a"], a_unit_of_work(), handle, key=str, permanent_gives_up=True)
    again = await applier.apply(["a"], a_unit_of_work(), handle, key=str, permanent_gives_up=True)
    assert [(g.item, g.attempts) for g in first.given_up] == [("a", 1)]
    assert [(g.item, str(g.error), g.attempts) for g in again.given_up] == [("a", "bug", 1)]
    assert calls == {"a": 1}


async def test_where_permanent_does_not_end_it_a_permanent_error_is_retried_too() -> None:
    applier = one_by_one(2)
    handle = failing({"a": PermanentError("no")})
    found = await applier.apply(["a"], a_unit_of_work(), handle, key=str, permanent_gives_up=False)
    assert found.retry == ["a"]
    found = await applier.apply(["a"], a_unit_of_work(), handle, key=str, permanent_gives_up=False)
    assert [(g.item, g.attempts) for g in found.given_up] == [("a", 2)]


async def test_a_transient_error_is_raised_and_never_counted() -> None:
    applier = one_by_one(1)
    with pytest.raises(TransientError):
        await applier.apply(
            ["a"],
            a_unit_of_work(),
            failing({"a": TransientError("down")}),
            key=str,
            permanent_gives_up=True,
        )
    found = await applier.apply(
        ["a"], a_unit_of_work(), failing({}), key=str, permanent_gives_up=True
    )
    assert found.given_up == []
    assert found.retry == []


async def test_what_a_failed_item_emitted_is_rolled_back() -> None:
    uow = a_unit_of_work()

    async def handle(item: str) -> None:
        uow.outbox.append(item)  # type: ignore[arg-type]
        if item == "b":
            raise PermanentError("no")

    await one_by_one(5).apply(["a", "b", "c"], uow, handle, key=str, permanent_gives_up=True)
    assert uow.outbox == ["a", "c"]


def test_counts_are_forgotten_once_settled_and_bounded_in_number() -> None:
    attempts = Attempts(max_attempts=3, capacity=2)
    attempts.failed("a", ValueError(), permanent_ends=True)
    attempts.failed("b", ValueError(), permanent_ends=True)
    attempts.failed("c", ValueError(), permanent_ends=True)
    assert not attempts.any_failed(["a"]), "the oldest count made room"
    assert attempts.any_failed(["x", "c"])
    attempts.forget(["b", "c"])
    assert not attempts
