"""The links the ingress gives a settled command, made from what settled it."""

from __future__ import annotations

import json

from producers.ingress.links import LINKS_BY_TYPE, links_for
from schemas.catalogue import CATALOGUE


def test_a_course_purchase_links_to_the_enrolments_and_the_course() -> None:
    links = links_for("EnrollmentConfirmed", {"course_id": "c1", "user_id": "u1"})
    assert links == {"course": "/v1/courses/c1", "enrollments": "/v1/enrollments"}


def test_links_come_in_the_order_the_answer_always_had() -> None:
    # They were stored as jsonb, which orders keys shorter first: clients saw that order.
    assert list(links_for("UserRegistered", {})) == ["me", "login"]
    assert list(links_for("EnrollmentConfirmed", {"course_id": "c"})) == ["course", "enrollments"]
    assert list(links_for("PaymentRefunded", {"payment_id": "p"})) == ["wallet", "payment"]
    assert list(links_for("WalletTransferCompleted", {})) == ["wallet", "transactions"]


def test_a_rejection_or_an_unknown_settlement_has_no_links() -> None:
    assert links_for("EnrollmentRejected", {"course_id": "c"}) == {}
    assert links_for(None, None) == {}


def test_only_events_that_settle_a_command_successfully_have_links() -> None:
    succeeded = {spec.type for spec in CATALOGUE if spec.outcome == "succeeded"}
    assert set(LINKS_BY_TYPE) == succeeded


def test_every_template_is_filled_by_the_ids_its_event_names() -> None:
    by_type = {spec.type: spec for spec in CATALOGUE}
    for type_, templates in LINKS_BY_TYPE.items():
        ids = {name: "x" for name in by_type[type_].model.model_fields if name.endswith("_id")}
        for _, template in templates:
            assert "{" not in template.format_map(ids), (type_, template)
        assert json.dumps(links_for(type_, ids))
