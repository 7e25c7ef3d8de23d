"""What a question or a learning-path request says, whichever version carried it.

Version 1 commands (written before the upgrade) hold the words in clear; version 2 ones
seal them with the user's key. Either way the tutor needs the user's key to seal what it
answers, so a user with no key (erased: their key destroyed) gets None, and no model call.
"""

from __future__ import annotations

from azora.personal.sections import open_section
from azora.personal.vault import KeyRing
from schemas.tutor import (
    LearningPathGoals,
    LearningPathRequested,
    LearningPathRequestedV2,
    TutorAsked,
    TutorAskedV2,
    TutorQuestionText,
)

Asked = TutorAsked | TutorAskedV2
PathRequested = LearningPathRequested | LearningPathRequestedV2


def question_text(ring: KeyRing, asked: Asked) -> str | None:
    """The question, or None when the asker has no key (erased) to answer them with."""
    if isinstance(asked, TutorAsked):
        return asked.question if ring.holds(asked.user_id) else None
    section = open_section(ring, asked.user_id, asked.personal, TutorQuestionText)
    return None if section is None else section.question


def path_goals(ring: KeyRing, requested: PathRequested) -> LearningPathGoals | None:
    """The subject and goals, or None when the user has no key (erased)."""
    if isinstance(requested, LearningPathRequested):
        if not ring.holds(requested.user_id):
            return None
        return LearningPathGoals(subject=requested.subject, goals=requested.goals)
    return open_section(ring, requested.user_id, requested.personal, LearningPathGoals)
