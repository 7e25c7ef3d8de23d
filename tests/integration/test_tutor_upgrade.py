"""A rolling upgrade of the tutor: commands an ingress of the previous release wrote in
clear (`tutor.asked`, `learning_path.requested`) are still answered, and the answers are
written only as version 2, sealed with the asker's key."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from azora.personal.sections import open_section
from consumers.tutor.service import make_tutor
from schemas import catalogue
from schemas.tutor import LearningPathRequested, LearningPathSteps, TutorAnswerText, TutorAsked
from stack import composition
from tests.support.model_server import ModelServer
from tests.support.tutor_questions import an_asker
from tests.support.world import World, running

pytestmark = pytest.mark.integration


async def test_commands_written_in_clear_before_the_upgrade_are_answered_sealed(
    world: World, model_server: ModelServer
) -> None:
    settings = world.settings.model_copy(
        update={"openai_api_key": SecretStr("test-key"), "openai_base_url": model_server.base_url}
    )
    vault = composition.personal_vault(settings)
    user = await an_asker(vault)
    words = f"What is a log? #{uuid.uuid4().hex}"
    question = uuid.uuid4()
    old_question = TutorAsked(
        question_id=question,
        user_id=user,
        conversation_id=question,
        question=words,
        asked_at=datetime.now(UTC),
    )
    old_path = LearningPathRequested(
        path_id=uuid.uuid4(), user_id=user, subject="Logs", level="beginner", goals=("read",)
    )
    tutor = make_tutor(composition.tutor_model(settings), composition.tutor_quotas(settings), vault)
    await world.publish([old_question, old_path])

    async with running(world, tutor):
        (answered,) = await world.wait_for_records(
            world.names.physical(catalogue.TUTOR_ANSWERED_V2), 1
        )
        (generated,) = await world.wait_for_records(
            world.names.physical(catalogue.LEARNING_PATH_GENERATED_V2), 1
        )

    ring = await vault.keyring([user])
    answer = json.loads(answered.value)["payload"]
    assert answer["question_id"] == str(question)
    assert words.encode() not in answered.value
    opened = open_section(ring, user, answer["personal"], TutorAnswerText)
    assert opened == TutorAnswerText(answer=f"Answer to: {words}")
    path = json.loads(generated.value)["payload"]
    assert path["path_id"] == str(old_path.path_id)
    steps = open_section(ring, user, path["personal"], LearningPathSteps)
    assert steps is not None
    assert [step.title for step in steps.steps] == ["Foundations", "Practice"]
    for legacy in (catalogue.TUTOR_ANSWERED, catalogue.LEARNING_PATH_GENERATED):
        assert await world.read_all(world.names.physical(legacy)) == [], legacy.name
