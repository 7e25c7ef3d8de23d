"""The tutor: answers questions and drafts learning paths; owns the `tutor` schema."""

from __future__ import annotations

from functools import partial

from azora.consume.held import HeldResults
from azora.consume.service import Service, service, subscribe
from consumers.tutor import handlers
from consumers.tutor.gateway import ModelGateway, ModelResult
from schemas import catalogue as topics

# Model results held by event id for retries: more than a batch holds (the consume loop's
# default is 1,000), so a whole batch's answers outlive its failed transaction.
HELD_RESULTS = 2048


def make_tutor(model: ModelGateway, *, held: int = HELD_RESULTS) -> Service:
    """The tutor service around a model gateway; the last `held` results kept for retries."""
    answers: HeldResults[ModelResult] = HeldResults(held)
    drafts: HeldResults[handlers.Drafted] = HeldResults(held)
    return service(
        "tutor",
        subscribe(topics.COURSE_PUBLISHED, handlers.on_course_published),
        subscribe(
            topics.TUTOR_ASKED,
            handlers.on_asked,
            prepare=partial(handlers.answer_questions, model, answers),
        ),
        subscribe(
            topics.LEARNING_PATH_REQUESTED,
            handlers.on_path_requested,
            prepare=partial(handlers.draft_paths, model, drafts),
        ),
    )
