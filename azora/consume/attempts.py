"""Each failing event's attempts, counted by its id, whatever else shares its batch.

A batch that fails is rolled back whole, so what one event's failures cost must not
live in the transaction: the count is kept here, in the process, by event id and offset
(or, for a record without an event id, its position). It survives every rollback and a
re-fetch of the same records (a rebalance), and is forgotten once a transaction that
settles the event (applied or dead-lettered) commits; a re-drive of the event is a new
record, counted afresh. Two bad events in a batch then cost two events' attempts, not the
product of both.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from azora.consume.errors import is_permanent
from azora.messages import Event

# Far more events than fail at once in any one process: past it the oldest count is
# dropped (that event merely gets its attempts again), so memory stays bounded.
DEFAULT_CAPACITY = 100_000


@dataclass(frozen=True, slots=True)
class Failure:
    """An event's last error, its failed attempts so far, and whether it is given up on."""

    error: Exception
    attempts: int
    final: bool


class Attempts:
    """Failed attempts per event id, bounded, outliving the transactions they failed in."""

    def __init__(self, max_attempts: int, capacity: int = DEFAULT_CAPACITY) -> None:
        self._max_attempts = max_attempts
        self._capacity = capacity
        self._failures: OrderedDict[Hashable, Failure] = OrderedDict()

    def __bool__(self) -> bool:
        return bool(self._failures)

    def failed(
        self, key: Hashable, error: Exception, *, permanent_ends: bool, tries: int = 1
    ) -> Failure:
        """Count `tries` failed attempts of `key`: final at the limit, or at once if permanent."""
        earlier = self._failures.pop(key, None)
        attempts = (earlier.attempts if earlier else 0) + tries
        final = attempts >= self._max_attempts or (permanent_ends and is_permanent(error))
        failure = Failure(error, attempts, final)
        self._failures[key] = failure
        if len(self._failures) > self._capacity:
            self._failures.popitem(last=False)
        return failure

    def given_up(self, key: Hashable) -> Failure | None:
        """The final failure of `key` if it was given up on in an attempt that did not commit."""
        failure = self._failures.get(key)
        return failure if failure is not None and failure.final else None

    def any_failed(self, keys: Iterable[Hashable]) -> bool:
        """Whether any of `keys` has failed before (in this process, since it last settled)."""
        failures = self._failures
        return bool(failures) and any(key in failures for key in keys)

    def forget(self, keys: Iterable[Hashable]) -> None:
        """Drop the counts of `keys`: a transaction that settled them committed."""
        if self._failures:
            for key in keys:
                self._failures.pop(key, None)


def counted_as(event: Event[Any]) -> tuple[uuid.UUID, int]:
    """What an event's attempts are counted by: its id, and its offset. A re-fetch of the
    same record keeps its count; a re-drive (a new record of the same event, after a fix)
    starts afresh, even in a process that still remembers the old one's failures."""
    return event.envelope.event_id, event.offset
