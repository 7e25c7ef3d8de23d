"""What a topic is: its name, its one model, its key, and how long Kafka keeps it.

Each payload module declares its topics beside its models with `command` and `event`;
`schemas.catalogue` gathers them into the one index the rest of the code reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Literal

from pydantic import BaseModel
from typing_extensions import TypeVar

DAY_MS = 24 * 60 * 60 * 1000
FOREVER = -1
# Commands are requests: once settled they matter for a month (re-drives, audits), then go.
COMMAND_RETENTION_MS = 30 * DAY_MS

Kind = Literal["command", "event"]
# How an event settles the command that caused it (read by the command_status projection).
Outcome = Literal["pending", "succeeded", "rejected"]

# Covariant, so a handler of any payload (`Event[BaseModel]`) may take every topic, while a
# handler of one model cannot be subscribed to another's topic. The default lets code that
# does not care which topic it has write a bare `TopicSpec`.
P = TypeVar("P", bound=BaseModel, covariant=True, default=BaseModel)
M = TypeVar("M", bound=BaseModel)


# eq=False: a spec is one of the catalogue's singletons, so identity is equality, and the
# loop hashes a spec several times per event (sets, dicts): object's own hash is C code,
# where a generated one rebuilt a tuple of every field and a Python one still cost a call.
@dataclass(frozen=True, eq=False)
class TopicSpec(Generic[P]):
    """A topic: its name, its one model, how it is keyed, and how long Kafka keeps it."""

    name: str
    model: type[P]
    key_field: str
    kind: Kind
    description: str
    partitions: int = 3
    retention_ms: int = FOREVER
    cleanup_policy: Literal["delete", "compact"] = "delete"
    # For command_status: what this topic says about the command it correlates with.
    outcome: Outcome | None = None

    @property
    def type(self) -> str:
        """The envelope `type` of the topic's one event type (the model's name)."""
        return self.model.__name__

    @property
    def dlq(self) -> str:
        """The logical name of this topic's dead-letter topic."""
        return f"{self.name}.dlq"


def command(
    name: str,
    model: type[M],
    *,
    key: str,
    description: str,
    tracked: bool = True,
    retention_ms: int = COMMAND_RETENTION_MS,
) -> TopicSpec[M]:
    """A command topic, kept for a month unless it says otherwise (one that carries a
    secret, sealed, goes sooner); a tracked one opens a pending command status."""
    return TopicSpec(
        name=name,
        model=model,
        key_field=key,
        kind="command",
        description=description,
        retention_ms=retention_ms,
        outcome="pending" if tracked else None,
    )


def event(
    name: str,
    model: type[M],
    *,
    key: str,
    description: str,
    settles: Outcome | None = None,
    partitions: int = 3,
    cleanup_policy: Literal["delete", "compact"] = "delete",
) -> TopicSpec[M]:
    """A fact topic, kept forever so projections can always be rebuilt from the log (a
    compacted one keeps the newest value per key: a state, not a history)."""
    return TopicSpec(
        name=name,
        model=model,
        key_field=key,
        kind="event",
        description=description,
        partitions=partitions,
        cleanup_policy=cleanup_policy,
        outcome=settles,
    )
