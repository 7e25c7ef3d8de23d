"""The tutor: answers questions and drafts learning paths; owns the `tutor` schema."""

from __future__ import annotations

from functools import partial

from azora.consume.held import HeldResults
from azora.consume.service import Service, service, subscribe
from consumers.tutor import handlers
from consumers.tutor.gateway import ModelGateway, ModelResult
from consumers.tutor.quota import Quotas
from schemas import catalogue as topics

# Model results held by event id for retries: more than a batch holds (the consume loop's
# default is 1,000), so a whole batch's answers outlive its failed transaction.
HELD_RESULTS = 2048


def make_tutor(model: ModelGateway, quotas: Quotas, *, held: int = HELD_RESULTS) -> Service:
    """The tutor service around a model gateway, with each user's hourly quotas; the last
    `held` model results kept for retries."""
    answers: HeldResults[ModelResult] = HeldResults(held)
    drafts: HeldResults[handlers.Drafted] = HeldResults(held)
    return service(
        "tutor",
        subscribe(topics.COURSE_PUBLISHED, handlers.on_course_published),
        # Who may read which lessons: the tutor grounds answers only on those.
        subscribe(topics.ENROLLMENT_CONFIRMED, handlers.on_enrollment_confirmed),
        subscribe(topics.ENROLLMENT_REVOKED, handlers.on_enrollment_revoked),
        subscribe(
            topics.USER_ROLE_GRANTED,
            handlers.on_role_granted,
            acts_on=lambda grant: grant.role == "admin",
        ),
        subscribe(
            topics.TUTOR_ASKED,
            partial(handlers.on_asked, quotas),
            prepare=partial(handlers.answer_questions, model, quotas, answers),
        ),
        subscribe(
            topics.LEARNING_PATH_REQUESTED,
            partial(handlers.on_path_requested, quotas),
            prepare=partial(handlers.draft_paths, model, quotas, drafts),
        ),
    )
