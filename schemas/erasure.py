"""Erasing a user (the right to be forgotten): the command the ingress sends after
re-authenticating them, and the fact identity publishes once it has forgotten them.

Only the user's pseudonymous id travels: the log keeps what it holds (append-only), every
read model drops or anonymises the user's rows on `user.erased`, and their personal-data
keys are destroyed (`azora.personal`).
"""

from __future__ import annotations

import uuid

from pydantic import AwareDatetime

from schemas.base import ContractModel
from schemas.topic import TopicSpec, command, event


class UserErasureRequested(ContractModel):
    """Command: forget this user (the ingress checked their password, and a current code
    when MFA is on)."""

    user_id: uuid.UUID
    requested_at: AwareDatetime


class UserErased(ContractModel):
    """Fact: identity forgot the user: no credentials, no sign-in, no key; every read
    model drops or anonymises their rows (money stays, under the pseudonymous id)."""

    user_id: uuid.UUID
    erased_at: AwareDatetime


USER_ERASURE_REQUESTED = command(
    "user.erasure_requested",
    UserErasureRequested,
    key="user_id",
    description="A re-authenticated user asked to be forgotten.",
)
USER_ERASED = event(
    "user.erased",
    UserErased,
    key="user_id",
    description="A user was forgotten; read models drop or anonymise their rows.",
    settles="succeeded",
)

TOPICS: tuple[TopicSpec, ...] = (USER_ERASURE_REQUESTED, USER_ERASED)
