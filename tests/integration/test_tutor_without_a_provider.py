"""With no model provider configured the tutor still runs, and says so on every question."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from consumers.tutor.gateway import NO_PROVIDER
from consumers.tutor.service import make_tutor
from schemas import catalogue
from schemas.tutor import TutorAsked
from stack import composition
from tests.support.world import World, running

pytestmark = pytest.mark.integration


async def test_every_question_fails_with_no_model_provider_configured(world: World) -> None:
    settings = world.settings.model_copy(update={"openai_api_key": None})
    tutor = make_tutor(composition.tutor_model(settings), composition.tutor_quotas(settings))
    question = uuid.uuid4()
    await world.publish(
        [
            TutorAsked(
                question_id=question,
                user_id=uuid.uuid4(),
                conversation_id=question,
                question="Anyone there?",
                asked_at=datetime.now(UTC),
            )
        ]
    )

    async with running(world, tutor):
        (failed,) = await world.wait_for_records(world.names.physical(catalogue.TUTOR_FAILED), 1)

    payload = json.loads(failed.value)["payload"]
    assert payload["question_id"] == str(question)
    assert payload["reason"] == NO_PROVIDER
    assert await world.read_all(world.names.physical(catalogue.TUTOR_ANSWERED)) == []
