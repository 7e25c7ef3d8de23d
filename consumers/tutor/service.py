"""The tutor: answers questions and drafts learning paths; owns the `tutor` schema."""

from __future__ import annotations

from functools import partial

from azora.consume.held import HeldResults
from azora.consume.service import Service, service, subscribe
from azora.personal.vault import Vault
from consumers.tutor import copies, handlers
from consumers.tutor.gateway import ModelGateway, ModelResult
from consumers.tutor.quota import Quotas
from schemas import catalogue as topics

# Model results held by event id for retries: more than a batch holds (the consume loop's
# default is 1,000), so a whole batch's answers outlive its failed transaction.
HELD_RESULTS = 2048


def make_tutor(
    model: ModelGateway, quotas: Quotas, vault: Vault, *, held: int = HELD_RESULTS
) -> Service:
    """The tutor service around a model gateway, with each user's hourly quotas and the
    vault of users' keys (to open their words and seal its answers); the last `held` model
    results kept for retries."""
    answers: HeldResults[ModelResult] = HeldResults(held)
    drafts: HeldResults[handlers.Drafted] = HeldResults(held)
    return service(
        "tutor",
        subscribe(topics.COURSE_PUBLISHED, copies.on_course_published),
        # Who may read which lessons: the tutor grounds answers only on those.
        subscribe(topics.ENROLLMENT_CONFIRMED, copies.on_enrollment_confirmed),
        subscribe(topics.ENROLLMENT_REVOKED, copies.on_enrollment_revoked),
        subscribe(
            topics.USER_ROLE_GRANTED,
            copies.on_role_granted,
            acts_on=lambda grant: grant.role == "admin",
        ),
        # Version 1 commands (in clear) are still read: an ingress of the previous release
        # may have written them during the upgrade.
        *(
            subscribe(
                spec,
                partial(handlers.on_asked, quotas),
                prepare=partial(handlers.answer_questions, model, quotas, vault, answers),
            )
            for spec in (topics.TUTOR_ASKED, topics.TUTOR_ASKED_V2)
        ),
        *(
            subscribe(
                spec,
                partial(handlers.on_path_requested, quotas),
                prepare=partial(handlers.draft_paths, model, quotas, vault, drafts),
            )
            for spec in (topics.LEARNING_PATH_REQUESTED, topics.LEARNING_PATH_REQUESTED_V2)
        ),
        subscribe(topics.USER_ERASED, copies.on_user_erased),
    )
