"""Facts operators establish about the running system (re-driving dead letters)."""

from __future__ import annotations

import uuid

from pydantic import AwareDatetime, Field

from schemas.base import ContractModel
from schemas.topic import TopicSpec, event


class DeadLetterRedriven(ContractModel):
    """Fact: an admin re-published a dead letter's original record to its origin topic."""

    # The dead letter's id in `read.dead_letters` (derived from its DLQ position).
    dead_letter_id: uuid.UUID
    dlq_topic: str = Field(min_length=1, max_length=300)
    dlq_partition: int = Field(ge=0)
    dlq_offset: int = Field(ge=0)
    origin_topic: str = Field(min_length=1, max_length=300)
    redriven_by: str = Field(min_length=1, max_length=200)
    redriven_at: AwareDatetime


# The topics these models travel on, in the order the catalogue lists them.

DEAD_LETTER_REDRIVEN = event(
    "dead_letter.redriven",
    DeadLetterRedriven,
    key="dead_letter_id",
    description="An admin re-published a dead letter to its origin topic (azora dlq redrive).",
)

TOPICS: tuple[TopicSpec, ...] = (DEAD_LETTER_REDRIVEN,)
