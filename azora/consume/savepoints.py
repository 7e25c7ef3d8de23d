"""Finding the records that break a batch: each one applied in a savepoint of its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from azora.consume.attempts import Attempts
from azora.consume.errors import is_transient
from azora.consume.unit_of_work import UnitOfWork

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class GivenUp(Generic[T]):
    """An item whose handler kept failing, the last error, and the attempts it had."""

    item: T
    error: Exception
    attempts: int


@dataclass(slots=True)
class Pass(Generic[T]):
    """What one pass over the items found: who is given up on, who must be tried again."""

    given_up: list[GivenUp[T]] = field(default_factory=list)
    # Failed short of the attempt limit: the batch must not commit, and is tried again.
    retry: list[T] = field(default_factory=list)


class OneByOne:
    """Applies items a savepoint each; each item's failures are counted in `attempts`.

    An item that fails rolls back only its own savepoint (and what it emitted), and the
    pass goes on to the next item, so every failing item of the batch is counted in one
    pass. A transient error is raised at once (the whole batch is retried). An item past
    its attempt limit (or, where permanent errors end it, failing permanently) is given
    up on; one given up on in an earlier pass that did not commit is given up on without
    running it again. An item that fails and is among `tried_together` (it was in the
    whole-batch attempt that failed just before) is counted for that attempt too.
    """

    def __init__(self, attempts: Attempts) -> None:
        self.attempts = attempts

    async def apply(
        self,
        items: Sequence[T],
        uow: UnitOfWork,
        handle: Callable[[T], Awaitable[None]],
        *,
        key: Callable[[T], Hashable],
        permanent_gives_up: bool,
        tried_together: Collection[Hashable] = (),
    ) -> Pass[T]:
        """Run `handle` on each item in its own savepoint; what the pass found."""
        found: Pass[T] = Pass()
        for item in items:
            tried = key(item)
            spent = self.attempts.given_up(tried)
            if spent is not None:
                found.given_up.append(GivenUp(item, spent.error, spent.attempts))
                continue
            mark = uow.mark()
            try:
                async with uow.conn.transaction():  # a savepoint
                    await handle(item)
            except Exception as exc:
                uow.rollback_to(mark)
                if is_transient(exc):
                    raise
                failure = self.attempts.failed(
                    tried,
                    exc,
                    permanent_ends=permanent_gives_up,
                    tries=2 if tried in tried_together else 1,
                )
                if failure.final:
                    found.given_up.append(GivenUp(item, exc, failure.attempts))
                else:
                    found.retry.append(item)
        return found
