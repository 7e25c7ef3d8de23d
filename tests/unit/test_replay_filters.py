"""Export filters: by type (header first), by key, by payload field."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from schemas.envelope import Envelope
from stack.replay.filters import Filters, Where, field_at, json_text

PAYLOAD: dict[str, Any] = {
    "amount_minor": 500,
    "currency": "EUR",
    "card": {"brand": "visa", "three_d_secure": True},
    "tags": ["a", "b"],
    "note": None,
}


def event(type_: str = "PaymentSucceeded") -> Envelope:
    event_id = uuid.uuid4()
    return Envelope(
        event_id=event_id,
        type=type_,
        occurred_at=datetime.now(UTC),
        correlation_id=event_id,
        actor="test",
        payload=PAYLOAD,
    )


def admits(filters: Filters, envelope: Envelope | None = None) -> bool:
    envelope = envelope or event()
    return filters.admits_event(envelope, envelope.payload)


def test_no_filters_admit_everything() -> None:
    filters = Filters.build()
    assert not filters.active
    assert filters.admits_record(None, [])
    assert admits(filters, event("X"))


def test_a_type_header_rules_a_record_out_before_its_body_is_read() -> None:
    filters = Filters.build(types=["PaymentSucceeded"])
    assert not filters.admits_record(b"k", [("type", b"PaymentFailed")])
    assert filters.admits_record(b"k", [("event_id", b"1"), ("type", b"PaymentSucceeded")])


def test_a_record_without_a_type_header_is_judged_on_its_envelope() -> None:
    filters = Filters.build(types=["PaymentSucceeded"])
    assert filters.admits_record(b"k", [])
    assert admits(filters)
    assert not admits(filters, event("PaymentFailed"))


def test_several_types_admit_any_of_them() -> None:
    filters = Filters.build(types=["PaymentSucceeded", "PaymentFailed"])
    assert admits(filters, event("PaymentFailed"))


def test_keys_compare_with_the_record_key() -> None:
    filters = Filters.build(keys=["u-1", "u-2"])
    assert filters.admits_record(b"u-2", [])
    assert not filters.admits_record(b"u-3", [])
    assert not filters.admits_record(None, [])


@pytest.mark.parametrize(
    ("condition", "admitted"),
    [
        ("currency=EUR", True),
        ("currency=USD", False),
        ("amount_minor=500", True),
        ("amount_minor=500.0", False),
        ("card.brand=visa", True),
        ("card.three_d_secure=true", True),
        ("tags.1=b", True),
        ('tags=["a","b"]', True),
        ("note=null", True),
        ("missing=null", False),
        ("card.missing=visa", False),
    ],
)
def test_where_compares_the_json_value_as_text(condition: str, admitted: bool) -> None:
    assert admits(Filters.build(where=[condition])) is admitted


def test_every_where_must_hold() -> None:
    both = Filters.build(where=["currency=EUR", "card.brand=visa"])
    one_wrong = Filters.build(where=["currency=EUR", "card.brand=amex"])
    assert admits(both)
    assert not admits(one_wrong)


def test_a_value_may_contain_an_equals_sign() -> None:
    assert Where.parse("note=a=b") == Where(("note",), "a=b")


@pytest.mark.parametrize("text", ["currency", "=EUR", "card..brand=visa"])
def test_a_malformed_where_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="payload field"):
        Where.parse(text)


def test_json_text_leaves_strings_bare_and_writes_the_rest_as_json() -> None:
    assert json_text("EUR") == "EUR"
    assert json_text(False) == "false"
    assert json_text({"a": [1, 2]}) == '{"a":[1,2]}'


def test_a_path_into_a_list_past_its_end_finds_nothing() -> None:
    assert field_at(PAYLOAD, ["tags", "1"]) == "b"
    assert not admits(Filters.build(where=["tags.7=a"]))
