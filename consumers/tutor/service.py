"""The tutor: answers questions and drafts learning paths; owns the `tutor` schema."""

from __future__ import annotations

from functools import partial

from azora.consume.service import Service, service, subscribe
from consumers.tutor import handlers
from consumers.tutor.gateway import ModelGateway
from schemas import catalogue as topics


def make_tutor(model: ModelGateway) -> Service:
    """The tutor service around a model gateway."""
    return service(
        "tutor",
        subscribe(topics.COURSE_PUBLISHED, handlers.on_course_published),
        subscribe(
            topics.TUTOR_ASKED,
            handlers.on_asked,
            prepare=partial(handlers.answer_questions, model),
        ),
        subscribe(
            topics.LEARNING_PATH_REQUESTED,
            handlers.on_path_requested,
            prepare=partial(handlers.draft_paths, model),
        ),
    )
