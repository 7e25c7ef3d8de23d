"""A service as the consume loop sees it: a consumer group and a handler per topic."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from schemas.catalogue import TopicSpec

# A handler applies a whole batch of one topic's events with set-based SQL.
Handler = Callable[[Sequence[Event[Any]], UnitOfWork], Awaitable[None]]


@dataclass(frozen=True)
class Service:
    """A consumer group: its name, and the handler for each topic it subscribes to."""

    name: str
    handlers: dict[TopicSpec, Handler]

    @property
    def topics(self) -> list[TopicSpec]:
        """The catalogue topics this service reads."""
        return list(self.handlers)
