"""A service as the consume loop sees it: a consumer group and a handler per topic.

Services declare what they read with `subscribe(spec, handler, ...)`, which ties the
topic's payload model to the handler's: subscribing a handler of `Event[CoursePublished]`
to `user.registered` is a type error. The types are erased once subscribed, so the loop
pays nothing for them.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncpg
from pydantic import BaseModel

from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event, Headers
from azora.topics import TopicNames
from schemas.catalogue import TopicSpec

P = TypeVar("P", bound=BaseModel)

# A handler applies a whole batch of one topic's events with set-based SQL.
HandlerOf = Callable[[Sequence[Event[P]], UnitOfWork], Awaitable[None]]
Handler = HandlerOf[Any]
# A preparation calls the outside world (Stripe, OpenAI) for a batch before its
# transaction, never inside it; it may read its own service's tables through the pool,
# and returns a result per event id for the handler (`uow.prepared`). It runs again on
# every attempt (once the loop retries carefully, for one event at a time), so its calls
# must be idempotent, and one that is billed keeps each result for its event's retries
# (`held.HeldResults`). An error it raises that is not transient counts as a failed
# attempt of the event, which is dead-lettered after its attempts like any other.
PrepareOf = Callable[[Sequence[Event[P]], asyncpg.Pool], Awaitable[dict[uuid.UUID, Any]]]
Prepare = PrepareOf[Any]


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A record handed over as it is, never decoded: a dead letter may be any bytes at all."""

    topic: str
    partition: int
    offset: int
    timestamp: int  # ms since the epoch, as the broker stamped it
    key: bytes | None
    value: bytes | None
    headers: Headers


# A raw handler applies a batch of one topic's undecoded records, with set-based SQL too.
RawHandler = Callable[[Sequence[RawRecord], UnitOfWork], Awaitable[None]]
# Whether a service acts on an event, judged on its payload (see `Service.acts_on`).
Relevant = Callable[[Any], bool]


@dataclass(frozen=True)
class Service:
    """A consumer group: its name, and the handler for each topic it subscribes to."""

    name: str
    handlers: dict[TopicSpec, Handler]
    # Topics whose handlers may see an event twice with no further effect (inserting an
    # immutable fact if absent, a monotonic upsert): the loop does not record their ids in
    # the inbox. Offsets are still stored in the batch's transaction, so a redelivery after
    # a crash repeats nothing; only a re-published duplicate reaches the handler again.
    replay_safe: frozenset[TopicSpec] = frozenset()
    prepare: dict[TopicSpec, Prepare] = field(default_factory=dict)
    # The read-model tables a projection owns, named without a schema: a rebuild writes
    # fresh copies of exactly these and swaps them in.
    tables: tuple[str, ...] = ()
    # Handlers of these topics' dead-letter topics (`<topic>.dlq`). Their records are the
    # failed originals plus `dlq.*` headers, so they reach the handler undecoded. Each is
    # claimed in the inbox by its position, and its offset is stored in the same
    # transaction, like every other record.
    dead_letter_handlers: dict[TopicSpec, RawHandler] = field(default_factory=dict)
    # Topics of which this service acts on some events only (a wallet debit is a course
    # purchase, a refund or half of a transfer): which payloads it acts on. The others are
    # stored as consumed, with no inbox row, preparation or handler call: work saved for
    # every event another service is the one to act on.
    acts_on: dict[TopicSpec, Relevant] = field(default_factory=dict)

    @property
    def topics(self) -> list[TopicSpec]:
        """The catalogue topics this service reads."""
        return list(self.handlers)

    def physical_topics(self, names: TopicNames) -> list[str]:
        """Every broker-side topic this service subscribes to, dead-letter topics included."""
        return [names.physical(spec) for spec in self.handlers] + [
            names.dlq(spec) for spec in self.dead_letter_handlers
        ]


@dataclass(frozen=True, slots=True)
class Subscription:
    """One topic a service reads: its handler, and how the loop treats the topic."""

    spec: TopicSpec
    handler: Handler
    prepare: Prepare | None = None
    acts_on: Relevant | None = None
    replay_safe: bool = False


def subscribe(
    spec: TopicSpec[P],
    handler: HandlerOf[P],
    *,
    prepare: PrepareOf[P] | None = None,
    acts_on: Callable[[P], bool] | None = None,
    replay_safe: bool = False,
) -> Subscription:
    """Read `spec`'s topic with `handler`, which must take that topic's payload model.

    `prepare` calls the outside world before the batch's transaction; `acts_on` picks the
    payloads this service acts on (see `Service.acts_on`); `replay_safe` skips the inbox.
    """
    return Subscription(spec, handler, prepare, acts_on, replay_safe)


def service(
    name: str,
    *subscriptions: Subscription,
    tables: tuple[str, ...] = (),
    dead_letter_handlers: dict[TopicSpec, RawHandler] | None = None,
) -> Service:
    """The consumer group `name`, reading each subscription's topic (each at most once)."""
    handlers: dict[TopicSpec, Handler] = {}
    for subscription in subscriptions:
        if subscription.spec in handlers:
            raise ValueError(f"{name} subscribes to {subscription.spec.name} twice")
        handlers[subscription.spec] = subscription.handler
    return Service(
        name=name,
        handlers=handlers,
        replay_safe=frozenset(s.spec for s in subscriptions if s.replay_safe),
        prepare={s.spec: s.prepare for s in subscriptions if s.prepare is not None},
        tables=tables,
        dead_letter_handlers=dict(dead_letter_handlers or {}),
        acts_on={s.spec: s.acts_on for s in subscriptions if s.acts_on is not None},
    )


def combine(name: str, parts: Sequence[Service]) -> Service:
    """One consumer group running every part's handlers, in one transaction per batch.

    Projections run this way so a command's outcome and the read model it points at
    become visible in the same commit (read-your-writes across projections).
    """
    by_topic: dict[TopicSpec, list[Handler]] = {}
    for part in parts:
        for spec, handler in part.handlers.items():
            by_topic.setdefault(spec, []).append(handler)
    # A topic skips the inbox only if every part that handles it can take a repeat.
    replay_safe = frozenset(
        spec
        for spec in by_topic
        if all(spec in part.replay_safe for part in parts if spec in part.handlers)
    )
    raw: dict[TopicSpec, list[RawHandler]] = {}
    for part in parts:
        for spec, raw_handler in part.dead_letter_handlers.items():
            raw.setdefault(spec, []).append(raw_handler)
    prepare: dict[TopicSpec, Prepare] = {}
    for part in parts:
        for spec, step in part.prepare.items():
            if spec in prepare:
                raise ValueError(f"two parts of {name} prepare {spec.name}")
            prepare[spec] = step
    return Service(
        name=name,
        handlers={spec: _chain(hs) for spec, hs in by_topic.items()},
        replay_safe=replay_safe,
        prepare=prepare,
        tables=tuple(table for part in parts for table in part.tables),
        dead_letter_handlers={spec: _chain_raw(hs) for spec, hs in raw.items()},
        acts_on=_acts_on(parts, by_topic),
    )


def _acts_on(parts: Sequence[Service], topics: Iterable[TopicSpec]) -> dict[TopicSpec, Relevant]:
    """A topic is filtered only if every part that handles it filters it: an event goes
    through if any part acts on it (the others' handlers pass over it, as they did)."""
    combined: dict[TopicSpec, Relevant] = {}
    for spec in topics:
        tests = [part.acts_on.get(spec) for part in parts if spec in part.handlers]
        if tests and all(test is not None for test in tests):
            relevant = [test for test in tests if test is not None]
            combined[spec] = _any_of(relevant)
    return combined


def _any_of(tests: Sequence[Relevant]) -> Relevant:
    def relevant(payload: Any) -> bool:
        return any(test(payload) for test in tests)

    return relevant


def _chain(handlers: Sequence[Handler]) -> Handler:
    if len(handlers) == 1:
        return handlers[0]

    async def chained(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        for handler in handlers:
            await handler(events, uow)

    return chained


def _chain_raw(handlers: Sequence[RawHandler]) -> RawHandler:
    if len(handlers) == 1:
        return handlers[0]

    async def chained(records: Sequence[RawRecord], uow: UnitOfWork) -> None:
        for handler in handlers:
            await handler(records, uow)

    return chained
