"""What an outside call answered for an event, held so a retry of the event reuses it.

A preparation runs before its batch's transaction; when the transaction then fails (the
database blinked, another event of the batch broke it, the answer cannot be stored), the
event is prepared again. A call that is billed (a model's answer) or slow must not be
made again for an answer already in hand: the preparation keeps each result here by event
id and looks here first. Memory stays bounded: past `capacity` the oldest result goes
(its event, should it come again, is merely asked again).
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from typing import Generic, TypeVar

T = TypeVar("T")


class HeldResults(Generic[T]):
    """Results by event id, the most recent `capacity` of them."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._results: OrderedDict[uuid.UUID, T] = OrderedDict()

    def __len__(self) -> int:
        return len(self._results)

    def get(self, event_id: uuid.UUID) -> T | None:
        """The result held for `event_id`, if any."""
        return self._results.get(event_id)

    def keep(self, event_id: uuid.UUID, result: T) -> T:
        """Hold `result` for `event_id` (dropping the oldest past capacity); return it."""
        self._results[event_id] = result
        self._results.move_to_end(event_id)
        if len(self._results) > self._capacity:
            self._results.popitem(last=False)
        return result
