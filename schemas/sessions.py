"""Sessions: a login opens one, its refresh token rotates, and it ends."""

from __future__ import annotations

import uuid

from pydantic import AwareDatetime, Field

from schemas.base import ContractModel
from schemas.topic import TopicSpec, event


class SessionStarted(ContractModel):
    """Fact: a login issued a refresh token of generation 0 for this session."""

    session_id: uuid.UUID
    user_id: uuid.UUID
    started_at: AwareDatetime
    expires_at: AwareDatetime


class SessionRefreshed(ContractModel):
    """Fact: the session's refresh token rotated; tokens of older generations stop working."""

    session_id: uuid.UUID
    user_id: uuid.UUID
    generation: int = Field(ge=1)
    refreshed_at: AwareDatetime


class SessionRevoked(ContractModel):
    """Fact: the session ended (logout, or a replayed refresh token was seen)."""

    session_id: uuid.UUID
    user_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=200)
    revoked_at: AwareDatetime


# The topics these models travel on, in the order the catalogue lists them.

SESSION_STARTED = event(
    "session.started", SessionStarted, key="user_id", description="A login opened a session."
)
SESSION_REFRESHED = event(
    "session.refreshed",
    SessionRefreshed,
    key="user_id",
    description="A session's refresh token rotated.",
)
SESSION_REVOKED = event(
    "session.revoked",
    SessionRevoked,
    key="user_id",
    description="A session ended (logout or refresh-token reuse).",
)

TOPICS: tuple[TopicSpec, ...] = (
    SESSION_STARTED,
    SESSION_REFRESHED,
    SESSION_REVOKED,
)
