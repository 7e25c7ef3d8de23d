"""The tutor's words sealed per user: opened by the tutor and its projection while the
user's key exists, and no longer once it is destroyed (the user was erased)."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

from azora.personal.sections import seal_section
from azora.personal.vault import KeyRing, Vault
from consumers.projections.tutor_rows import path_row, question_row, sealed_users
from consumers.tutor.opening import path_goals, question_text
from schemas import catalogue as topics
from schemas.tutor import (
    LearningPathGenerated,
    LearningPathGeneratedV2,
    LearningPathGoals,
    LearningPathRequested,
    LearningPathRequestedV2,
    LearningPathSteps,
    PathStep,
    TutorAnswered,
    TutorAnsweredV2,
    TutorAnswerText,
    TutorAsked,
    TutorAskedV2,
    TutorFailed,
    TutorQuestionText,
)
from tests.support.key_store import memory_vault

AT = datetime(2026, 1, 1, tzinfo=UTC)
STEPS = (PathStep(title="Brokers", objectives=("run one",)),)


def ring_of(vault: Vault, *users: uuid.UUID) -> KeyRing:
    return asyncio.run(vault.keyring(users))


def a_user(vault: Vault) -> uuid.UUID:
    user = uuid.uuid4()
    asyncio.run(vault.create_key(user))
    return user


def asked_v2(ring: KeyRing, user: uuid.UUID, text: str) -> TutorAskedV2:
    question = uuid.uuid4()
    return TutorAskedV2(
        question_id=question,
        user_id=user,
        conversation_id=question,
        asked_at=AT,
        personal=seal_section(ring, user, TutorQuestionText(question=text)),
    )


def answered_v2(ring: KeyRing, user: uuid.UUID, text: str) -> TutorAnsweredV2:
    question = uuid.uuid4()
    return TutorAnsweredV2(
        question_id=question,
        user_id=user,
        conversation_id=question,
        model="m",
        tokens_in=1,
        tokens_out=2,
        latency_ms=3,
        personal=seal_section(ring, user, TutorAnswerText(answer=text)),
    )


def goals_v2(ring: KeyRing, user: uuid.UUID) -> LearningPathRequestedV2:
    goals = LearningPathGoals(subject="Kafka", goals=("run a broker",))
    return LearningPathRequestedV2(
        path_id=uuid.uuid4(),
        user_id=user,
        level="beginner",
        personal=seal_section(ring, user, goals),
    )


def path_v2(ring: KeyRing, user: uuid.UUID) -> LearningPathGeneratedV2:
    return LearningPathGeneratedV2(
        path_id=uuid.uuid4(),
        user_id=user,
        model="m",
        personal=seal_section(ring, user, LearningPathSteps(steps=STEPS)),
    )


def test_a_sealed_question_opens_for_the_tutor_while_the_askers_key_exists() -> None:
    vault = memory_vault()
    user = a_user(vault)
    asked = asked_v2(ring_of(vault, user), user, "What is a partition?")
    assert "partition" not in asked.model_dump_json()
    assert question_text(ring_of(vault, user), asked) == "What is a partition?"
    asyncio.run(vault.destroy(user))
    assert question_text(ring_of(vault, user), asked) is None


def test_a_question_in_clear_from_before_the_upgrade_is_answered_only_for_a_user_with_a_key() -> (
    None
):
    vault = memory_vault()
    user, keyless = a_user(vault), uuid.uuid4()
    old = TutorAsked(
        question_id=uuid.uuid4(),
        user_id=user,
        conversation_id=uuid.uuid4(),
        question="Old words",
        asked_at=AT,
    )
    assert question_text(ring_of(vault, user), old) == "Old words"
    theirs = old.model_copy(update={"user_id": keyless})
    assert question_text(ring_of(vault, keyless), theirs) is None


def test_sealed_goals_open_for_the_tutor_and_not_once_the_user_is_erased() -> None:
    vault = memory_vault()
    user = a_user(vault)
    requested = goals_v2(ring_of(vault, user), user)
    opened = path_goals(ring_of(vault, user), requested)
    assert opened == LearningPathGoals(subject="Kafka", goals=("run a broker",))
    old = LearningPathRequested(
        path_id=uuid.uuid4(), user_id=user, subject="Old", level="advanced", goals=("g",)
    )
    assert path_goals(ring_of(vault, user), old) == LearningPathGoals(subject="Old", goals=("g",))
    asyncio.run(vault.destroy(user))
    assert path_goals(ring_of(vault, user), requested) is None
    assert path_goals(ring_of(vault, user), old) is None


def test_an_answer_row_carries_the_opened_answer_and_its_usage() -> None:
    vault = memory_vault()
    user = a_user(vault)
    answered = answered_v2(ring_of(vault, user), user, "A partition is an ordered log.")
    row = question_row(topics.TUTOR_ANSWERED_V2, answered, ring_of(vault, user))
    assert row is not None
    assert (row.status, row.rank, row.answer) == ("answered", 1, "A partition is an ordered log.")
    assert (row.model, row.tokens_in, row.tokens_out, row.latency_ms) == ("m", 1, 2, 3)


def test_no_question_row_is_written_once_the_users_words_no_longer_open() -> None:
    vault = memory_vault()
    user = a_user(vault)
    ring = ring_of(vault, user)
    asked = asked_v2(ring, user, "Mine")
    answered = answered_v2(ring, user, "Yours")
    asyncio.run(vault.destroy(user))
    after = ring_of(vault, user)
    assert question_row(topics.TUTOR_ASKED_V2, asked, after) is None
    assert question_row(topics.TUTOR_ANSWERED_V2, answered, after) is None


def test_rows_of_version_1_and_failure_facts_need_no_key() -> None:
    ring = KeyRing({})
    user = uuid.uuid4()
    asked = TutorAsked(
        question_id=uuid.uuid4(),
        user_id=user,
        conversation_id=uuid.uuid4(),
        question="q",
        asked_at=AT,
    )
    row = question_row(topics.TUTOR_ASKED, asked, ring)
    assert row is not None
    assert (row.status, row.asked_at, row.answer) == ("pending", AT, None)
    answered = TutorAnswered(
        question_id=asked.question_id,
        user_id=user,
        conversation_id=asked.conversation_id,
        answer="clear",
        model="m",
        tokens_in=0,
        tokens_out=0,
        latency_ms=0,
    )
    row = question_row(topics.TUTOR_ANSWERED, answered, ring)
    assert row is not None
    assert row.answer == "clear"
    failed = TutorFailed(question_id=asked.question_id, user_id=user, reason="no provider")
    row = question_row(topics.TUTOR_FAILED, failed, ring)
    assert row is not None
    assert (row.status, row.reason, row.answer) == (
        "failed",
        "no provider",
        None,
    )


def test_a_path_row_carries_the_opened_steps_and_none_once_they_no_longer_open() -> None:
    vault = memory_vault()
    user = a_user(vault)
    generated = path_v2(ring_of(vault, user), user)
    row = path_row(topics.LEARNING_PATH_GENERATED_V2, generated, ring_of(vault, user))
    assert row is not None
    assert row.steps is not None
    assert json.loads(row.steps) == [step.model_dump(mode="json") for step in STEPS]
    assert (row.status, row.model) == ("generated", "m")
    requested = goals_v2(ring_of(vault, user), user)
    assert path_row(topics.LEARNING_PATH_REQUESTED_V2, requested, ring_of(vault, user)) is not None
    asyncio.run(vault.destroy(user))
    after = ring_of(vault, user)
    assert path_row(topics.LEARNING_PATH_GENERATED_V2, generated, after) is None
    assert path_row(topics.LEARNING_PATH_REQUESTED_V2, requested, after) is None
    old = LearningPathGenerated(path_id=uuid.uuid4(), user_id=user, steps=STEPS, model="m")
    row = path_row(topics.LEARNING_PATH_GENERATED, old, after)
    assert row is not None
    assert row.steps is not None


def test_a_batch_asks_the_vault_only_for_the_users_of_its_sealed_facts() -> None:
    vault = memory_vault()
    sealed, clear = a_user(vault), uuid.uuid4()
    facts = [
        answered_v2(ring_of(vault, sealed), sealed, "a"),
        TutorFailed(question_id=uuid.uuid4(), user_id=clear, reason="r"),
    ]
    assert sealed_users(facts) == {sealed}
