"""The tutor on the real broker and database, when a question's transaction fails or its
model answers nonsense: no model call is repeated for an answer in hand, and no question
blocks the ones behind it."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Sequence

import pytest
from aiokafka.structs import ConsumerRecord
from pydantic import SecretStr

from azora.consume import dead_letters
from azora.consume.errors import TransientError
from azora.consume.service import Handler, Service
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from consumers.tutor.service import make_tutor
from schemas import catalogue
from schemas.catalogue import TopicSpec
from schemas.tutor import TutorAskedV2
from stack import composition
from tests.support.model_server import ModelServer
from tests.support.tutor_questions import an_asker, sealed_question
from tests.support.world import World, running

pytestmark = pytest.mark.integration

ASKED = catalogue.TUTOR_ASKED_V2
ANSWERED = catalogue.TUTOR_ANSWERED_V2


@pytest.fixture
def tutor_world(world: World, model_server: ModelServer) -> World:
    """The world, with the tutor's model at the test model server."""
    world.settings = world.settings.model_copy(
        update={
            "openai_api_key": SecretStr("test-key"),
            "openai_base_url": model_server.base_url,
        }
    )
    return world


def tutor(world: World) -> Service:
    """The tutor service of this world, in a consumer group of its own."""
    made = make_tutor(
        composition.tutor_model(world.settings),
        composition.tutor_quotas(world.settings),
        composition.personal_vault(world.settings),
    )
    return dataclasses.replace(made, name=f"tutor-{uuid.uuid4().hex[:8]}")


def failing_once(service: Service, error: Exception) -> tuple[Service, list[int]]:
    """`service` whose question handler fails the first time, after the model answered."""
    calls: list[int] = []
    handler = service.handlers[ASKED]

    async def fails_once(events: Sequence[Event[TutorAskedV2]], uow: UnitOfWork) -> None:
        calls.append(len(events))
        if len(calls) == 1:
            raise error
        await handler(events, uow)

    handlers: dict[TopicSpec, Handler] = {**service.handlers, ASKED: fails_once}
    return dataclasses.replace(service, handlers=handlers), calls


async def question(world: World, text: str) -> TutorAskedV2:
    """A question of a new asker, sealed with their key as the ingress seals it."""
    vault = composition.personal_vault(world.settings)
    return await sealed_question(vault, await an_asker(vault), text)


def payloads(records: Sequence[ConsumerRecord]) -> list[dict[str, object]]:
    return [json.loads(r.value)["payload"] for r in records]


@pytest.mark.parametrize(
    "error",
    [
        TransientError("the database blinked after the model answered"),
        ValueError("a bug in recording the exchange"),
    ],
    ids=["transient", "neither"],
)
async def test_a_question_whose_transaction_failed_after_its_answer_is_not_asked_again(
    tutor_world: World, model_server: ModelServer, error: Exception
) -> None:
    marker = f"#once-{uuid.uuid4().hex}"
    asked = await question(tutor_world, f"What is a monad? {marker}")
    service, calls = failing_once(tutor(tutor_world), error)
    await tutor_world.publish([asked])

    async with running(tutor_world, service):
        answered = await tutor_world.wait_for_records(tutor_world.names.physical(ANSWERED), 1)

    assert [p["question_id"] for p in payloads(answered)] == [str(asked.question_id)]
    assert len(calls) >= 2, "the first transaction did fail"
    assert len(model_server.received(marker)) == 1, "the answer in hand was reused"


async def test_a_question_postgres_cannot_store_is_dead_lettered_after_a_single_model_call(
    tutor_world: World, model_server: ModelServer
) -> None:
    marker = f"#nul-{uuid.uuid4().hex}"
    bad = await question(tutor_world, f"a\u0000b {marker}")
    good = [await question(tutor_world, f"What is {n}? {marker}-good") for n in range(3)]
    await tutor_world.publish([good[0], bad, *good[1:]])

    async with running(tutor_world, tutor(tutor_world)):
        (letter,) = await tutor_world.wait_for_records(tutor_world.names.dlq(ASKED), 1)
        answered = await tutor_world.wait_for_records(
            tutor_world.names.physical(ANSWERED), len(good)
        )

    headers = {k: v.decode() for k, v in letter.headers}
    assert headers[dead_letters.ERROR_KIND] == "permanent"
    assert "CharacterNotInRepertoireError" in headers[dead_letters.ERROR]
    assert json.loads(letter.value)["payload"]["question_id"] == str(bad.question_id)
    assert sorted(p["question_id"] for p in payloads(answered)) == sorted(
        str(q.question_id) for q in good
    )
    billed = [r for r in model_server.received(marker) if f"{marker}-good" not in json.dumps(r)]
    assert len(billed) == 1, "its answer was asked for once, however often it was retried"
    assert len(model_server.received(marker)) == 1 + len(good), "and so was every other one"


async def test_a_model_answering_with_no_choices_fails_the_question_after_a_single_call(
    tutor_world: World, model_server: ModelServer
) -> None:
    marker = f"#empty-{uuid.uuid4().hex}"
    bad = await question(tutor_world, f"Anything? #no-choices {marker}")
    good = await question(tutor_world, f"What is a functor? {marker}-good")
    await tutor_world.publish([bad, good])

    async with running(tutor_world, tutor(tutor_world)):
        (failed,) = await tutor_world.wait_for_records(
            tutor_world.names.physical(catalogue.TUTOR_FAILED), 1
        )
        (answered,) = await tutor_world.wait_for_records(tutor_world.names.physical(ANSWERED), 1)

    [failure] = payloads([failed])
    assert failure["question_id"] == str(bad.question_id)
    assert "no choices" in str(failure["reason"])
    assert payloads([answered])[0]["question_id"] == str(good.question_id)
    asked_bad = [r for r in model_server.received(marker) if f"{marker}-good" not in json.dumps(r)]
    assert len(asked_bad) == 1, "a 200 with no choices is not asked again"
