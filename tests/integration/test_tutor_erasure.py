"""Erasure reaches the tutor's words: after the user's key is destroyed and `user.erased`
is published (as identity does), no tutor topic read from the beginning, no rebuilt read
model and no conversation the tutor keeps shows what they asked or were answered, while
another user's questions and answers are intact."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest
from pydantic import SecretStr

from azora.personal.sections import open_section, seal_section
from azora.personal.vault import Vault
from consumers.tutor.rules import ERASED
from consumers.tutor.service import make_tutor
from schemas import catalogue, tutor
from schemas.erasure import UserErased
from schemas.tutor import (
    LearningPathGoals,
    LearningPathRequestedV2,
    LearningPathSteps,
    TutorAnswerText,
    TutorQuestionText,
)
from stack import composition
from stack.rebuild.runner import ProjectionRebuild
from tests.support.model_server import ModelServer
from tests.support.tutor_questions import an_asker, sealed_question
from tests.support.world import World, eventually, running

pytestmark = pytest.mark.integration

USER_QUESTIONS = "SELECT count(*) FROM read.tutor_questions WHERE user_id = $1"
QUESTION_ROWS = "SELECT count(*) FROM read.tutor_questions WHERE user_id = $1 AND status = $2"
PATH_ROWS = "SELECT count(*) FROM read.learning_paths WHERE user_id = $1"
ANSWER = "SELECT answer FROM read.tutor_questions WHERE question_id = $1"
LEGACY_MESSAGE = """
INSERT INTO tutor.messages (conversation_id, question_id, role, content) VALUES ($1, $2, 'user', $3)
"""
MESSAGES = "SELECT count(*) FROM tutor.messages WHERE conversation_id = ANY($1::uuid[])"


@pytest.fixture
def tutor_world(private_world: World, model_server: ModelServer) -> World:
    """A world with a database of its own (a rebuild swaps the tutor's read tables), whose
    tutor asks the test model server."""
    private_world.settings = private_world.settings.model_copy(
        update={"openai_api_key": SecretStr("test-key"), "openai_base_url": model_server.base_url}
    )
    return private_world


async def a_path_request(vault: Vault, user: uuid.UUID, goal: str) -> LearningPathRequestedV2:
    ring = await vault.keyring([user])
    goals = LearningPathGoals(subject="Physics", goals=(goal,))
    return LearningPathRequestedV2(
        path_id=uuid.uuid4(),
        user_id=user,
        level="beginner",
        personal=seal_section(ring, user, goals),
    )


async def count(db: asyncpg.Connection, sql: str, *args: object) -> int:
    found: int = await db.fetchval(sql, *args)
    return found


async def test_an_erased_users_tutor_words_leave_every_topic_rebuild_and_conversation(
    tutor_world: World,
) -> None:
    world = tutor_world
    vault = composition.personal_vault(world.settings)
    erased, kept = await an_asker(vault), await an_asker(vault)
    run = uuid.uuid4().hex
    secret_words = f"why my landlord shouts #{run}-erased"
    mine = await sealed_question(vault, erased, f"Help: {secret_words}")
    again = await sealed_question(
        vault, erased, f"And then {secret_words}", conversation_id=mine.conversation_id
    )
    theirs = await sealed_question(vault, kept, f"What is a monad? #{run}-kept")
    my_path = await a_path_request(vault, erased, secret_words)
    their_path = await a_path_request(vault, kept, f"orbits #{run}-kept")
    # Sealed while the key existed, read by the tutor only after the erasure.
    late = await sealed_question(vault, erased, f"Still there? {secret_words}")

    services = (
        make_tutor(
            composition.tutor_model(world.settings), composition.tutor_quotas(world.settings), vault
        ),
        # The live projections' group: a rebuild catches up to its offsets, then swaps.
        *composition.services_for(world.settings, "projections"),
    )
    db = await asyncpg.connect(world.settings.database_url)
    try:
        await world.publish([mine, again, theirs, my_path, their_path])
        async with running(world, *services):
            for user, answered in ((erased, 2), (kept, 1)):
                await eventually(
                    lambda u=user, n=answered: _equals(count(db, QUESTION_ROWS, u, "answered"), n),
                    timeout=90,
                )
                await eventually(lambda u=user: _equals(count(db, PATH_ROWS, u), 1), timeout=90)
            conversations = [mine.conversation_id]
            assert await count(db, MESSAGES, conversations) == 4, "the tutor kept the exchange"
            # A row stored before messages named their user (revision 0027), in the same
            # conversation: it goes with the conversation.
            await db.execute(LEGACY_MESSAGE, mine.conversation_id, uuid.uuid4(), secret_words)
            assert await db.fetchval(ANSWER, mine.question_id) == f"Answer to: Help: {secret_words}"

            # Erased as identity erases: every version of the key destroyed, then the fact.
            await vault.destroy(erased)
            await world.publish([UserErased(user_id=erased, erased_at=datetime.now(UTC))])
            await world.publish([late])
            await eventually(lambda: _equals(count(db, MESSAGES, conversations), 0), timeout=90)
            await eventually(lambda: _equals(count(db, USER_QUESTIONS, erased), 0), timeout=90)
            failed = await world.wait_for_records(
                world.names.physical(catalogue.TUTOR_FAILED), 1, timeout=90
            )

        (late_failure,) = [json.loads(r.value)["payload"] for r in failed]
        assert late_failure["question_id"] == str(late.question_id)
        assert late_failure["reason"] == ERASED
        assert await count(db, MESSAGES, [theirs.conversation_id]) == 2

        views = composition.projections(world.settings)["tutor_views"]
        rebuild = ProjectionRebuild(world.settings, views, world.names, verify=True)
        outcome = await rebuild.run(asyncio.Event())
        assert outcome is not None
        assert outcome.shadow.version == 2
        # The rebuilt tables are the live ones, row for row: what erasure dropped stays out.
        assert outcome.checksums
        for live, rebuilt_rows in outcome.checksums.values():
            assert live == rebuilt_rows
        rebuilt = {
            "questions": await count(db, USER_QUESTIONS, erased),
            "paths": await count(db, PATH_ROWS, erased),
            "their answer": await db.fetchval(ANSWER, theirs.question_id),
            "their path": await count(db, PATH_ROWS, kept),
        }
    finally:
        await db.close()

    assert rebuilt == {
        "questions": 0,
        "paths": 0,
        "their answer": f"Answer to: What is a monad? #{run}-kept",
        "their path": 1,
    }
    await _no_topic_shows_their_words(world, vault, erased, kept, secret_words, run)


async def _no_topic_shows_their_words(
    world: World, vault: Vault, erased: uuid.UUID, kept: uuid.UUID, words: str, run: str
) -> None:
    """Every tutor topic from the beginning: the erased user's words nowhere in clear and
    their sealed sections no longer opening; the kept user's opening as they were written."""
    ring = await vault.keyring([erased, kept])
    sections = {
        catalogue.TUTOR_ASKED_V2: TutorQuestionText,
        catalogue.TUTOR_ANSWERED_V2: TutorAnswerText,
        catalogue.LEARNING_PATH_REQUESTED_V2: LearningPathGoals,
        catalogue.LEARNING_PATH_GENERATED_V2: LearningPathSteps,
    }
    opened_for_kept: list[str] = []
    read = 0
    for spec in tutor.TOPICS:
        for record in await world.read_all(world.names.physical(spec)):
            read += 1
            assert words.encode() not in record.value, spec.name
            payload = json.loads(record.value)["payload"]
            if spec not in sections:
                continue
            user = uuid.UUID(payload["user_id"])
            section = open_section(ring, user, payload["personal"], sections[spec])
            if user == erased:
                assert section is None, spec.name
            else:
                assert section is not None, spec.name
                opened_for_kept.append(section.model_dump_json())
    # Asked, answered, path requested and generated, twice; once more the late question
    # and its failure.
    assert read == 12
    assert len(opened_for_kept) == 4
    assert any(f"What is a monad? #{run}-kept" in text for text in opened_for_kept)
    assert any(f"Answer to: What is a monad? #{run}-kept" in text for text in opened_for_kept)
    assert any(f"orbits #{run}-kept" in text for text in opened_for_kept)


async def _equals(value: object, expected: object) -> bool:
    return await value == expected  # type: ignore[misc]
