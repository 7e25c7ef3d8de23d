"""Finding the record that breaks a batch: each one applied in a savepoint of its own."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from azora.consume.errors import is_permanent, is_transient
from azora.consume.unit_of_work import UnitOfWork

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class GivenUp(Generic[T]):
    """An item whose handler kept failing, the last error, and the attempts it had."""

    item: T
    error: Exception
    attempts: int


class OneByOne:
    """Applies items a savepoint each, counting each item's failures across attempts.

    An item that fails rolls back only its own savepoint (and what it emitted). A
    transient error, or a failure short of the attempt limit, is raised: the whole batch
    is retried. Past the limit (or at once, where permanent errors end it) the item is
    given up on and the batch goes on without it.
    """

    def __init__(self, max_attempts: int) -> None:
        self._max_attempts = max_attempts
        # Tries per item for handler errors that are neither transient nor permanent.
        self._attempts: Counter[Hashable] = Counter()

    async def apply(
        self,
        items: Sequence[T],
        uow: UnitOfWork,
        handle: Callable[[T], Awaitable[None]],
        *,
        key: Callable[[T], Hashable],
        permanent_gives_up: bool,
    ) -> list[GivenUp[T]]:
        """Run `handle` on each item in its own savepoint; return the items given up on."""
        given_up: list[GivenUp[T]] = []
        for item in items:
            mark = uow.mark()
            try:
                async with uow.conn.transaction():  # a savepoint
                    await handle(item)
            except Exception as exc:
                uow.rollback_to(mark)
                if is_transient(exc):
                    raise
                tried = key(item)
                self._attempts[tried] += 1
                attempts = self._attempts[tried]
                final = permanent_gives_up and is_permanent(exc)
                if not final and attempts < self._max_attempts:
                    raise
                del self._attempts[tried]
                given_up.append(GivenUp(item, exc, attempts))
        return given_up
