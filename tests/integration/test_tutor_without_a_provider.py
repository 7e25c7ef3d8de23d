"""With no model provider configured the tutor still runs, and says so on every question."""

from __future__ import annotations

import json

import pytest

from consumers.tutor.gateway import NO_PROVIDER
from consumers.tutor.service import make_tutor
from schemas import catalogue
from stack import composition
from tests.support.tutor_questions import an_asker, sealed_question
from tests.support.world import World, running

pytestmark = pytest.mark.integration


async def test_every_question_fails_with_no_model_provider_configured(world: World) -> None:
    settings = world.settings.model_copy(update={"openai_api_key": None})
    vault = composition.personal_vault(settings)
    tutor = make_tutor(composition.tutor_model(settings), composition.tutor_quotas(settings), vault)
    asked = await sealed_question(vault, await an_asker(vault), "Anyone there?")
    question = asked.question_id
    await world.publish([asked])

    async with running(world, tutor):
        (failed,) = await world.wait_for_records(world.names.physical(catalogue.TUTOR_FAILED), 1)

    payload = json.loads(failed.value)["payload"]
    assert payload["question_id"] == str(question)
    assert payload["reason"] == NO_PROVIDER
    assert await world.read_all(world.names.physical(catalogue.TUTOR_ANSWERED_V2)) == []
