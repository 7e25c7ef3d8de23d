"""Questions to the tutor as the ingress writes them: sealed with the asker's key."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from azora.personal.sections import seal_section
from azora.personal.vault import Vault
from schemas.tutor import TutorAskedV2, TutorQuestionText


async def an_asker(vault: Vault) -> uuid.UUID:
    """A new user with a personal-data key (as identity makes one with the account)."""
    user = uuid.uuid4()
    await vault.create_key(user)
    return user


async def sealed_question(
    vault: Vault, user: uuid.UUID, text: str, *, conversation_id: uuid.UUID | None = None
) -> TutorAskedV2:
    """A question `user` asks, its words sealed with their key."""
    question_id = uuid.uuid4()
    ring = await vault.keyring([user])
    return TutorAskedV2(
        question_id=question_id,
        user_id=user,
        conversation_id=conversation_id or question_id,
        asked_at=datetime.now(UTC),
        personal=seal_section(ring, user, TutorQuestionText(question=text)),
    )
