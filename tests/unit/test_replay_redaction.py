"""Exports redact personal fields by default, in every format, and refuse clear text unasked."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from aiokafka.structs import ConsumerRecord
from typer.testing import CliRunner

from azora.topics import TopicNames
from schemas import catalogue
from stack.cli import app
from stack.replay.audit import Disclosure, DisclosureRefused
from stack.replay.filters import Filters
from stack.replay.formats import Format, open_writer
from stack.replay.redaction import REDACTED, Redaction
from stack.replay.rows import event_row, raw_row

NAMES = TopicNames("t.")
REDACTION = Redaction.of_catalogue(NAMES)
EMAIL = "ada.lovelace@example.org"


def envelope(type_: str, payload: dict[str, Any]) -> bytes:
    event_id = str(uuid.uuid4())
    return json.dumps(
        {
            "event_id": event_id,
            "type": type_,
            "schema_version": 1,
            "occurred_at": "2024-05-01T12:00:00Z",
            "correlation_id": event_id,
            "causation_id": None,
            "actor": "test",
            "payload": payload,
        }
    ).encode()


def record(topic: str, value: bytes | None, key: bytes | None) -> ConsumerRecord:
    return ConsumerRecord(
        topic=topic,
        partition=0,
        offset=7,
        timestamp=1714564800123,
        timestamp_type=0,
        key=key,
        value=value,
        checksum=None,
        serialized_key_size=len(key or b""),
        serialized_value_size=len(value or b""),
        headers=[],
    )


USER_ID = str(uuid.uuid4())
REQUESTED = catalogue.USER_REGISTRATION_REQUESTED_V2
REGISTRATION = record(
    NAMES.physical(REQUESTED),
    envelope(
        REQUESTED.type,
        {
            "user_id": USER_ID,
            "email": EMAIL,
            "display_name": "Ada Lovelace",
            "sealed_password_hash": "c2VhbGVk",
        },
    ),
    key=EMAIL.encode(),  # this topic is keyed by email
)
PATH = record(
    NAMES.physical(catalogue.LEARNING_PATH_GENERATED),
    envelope(
        catalogue.LEARNING_PATH_GENERATED.type,
        {
            "path_id": str(uuid.uuid4()),
            "user_id": USER_ID,
            "steps": [
                {"title": "Ada's goal: engines", "objectives": ["gears"], "course_ids": ["c1"]},
                {"title": "Then: Ada's poetry", "objectives": [], "course_ids": []},
            ],
            "model": "tiny",
        },
    ),
    key=b"path",
)


def redacted(item: ConsumerRecord) -> dict[str, Any]:
    row = event_row(item)
    return REDACTION.event(row, row["type"])


def test_a_registration_keeps_its_ids_and_loses_its_email_name_and_email_key() -> None:
    row = redacted(REGISTRATION)
    assert row["payload"] == {
        "user_id": USER_ID,
        "email": REDACTED,
        "display_name": REDACTED,
        "sealed_password_hash": "c2VhbGVk",
    }
    assert row["_key"] == REDACTED
    assert (row["_topic"], row["_offset"]) == ("t.user.registration_requested.v2", 7)


def test_nested_fields_are_redacted_in_every_item_of_a_list() -> None:
    steps = redacted(PATH)["payload"]["steps"]
    assert [step["title"] for step in steps] == [REDACTED, REDACTED]
    assert [step["objectives"] for step in steps] == [REDACTED, REDACTED]
    assert [step["course_ids"] for step in steps] == [["c1"], []]


def test_an_event_without_personal_fields_is_left_alone() -> None:
    payments = NAMES.physical(catalogue.PAYMENT_SUCCEEDED)
    assert not REDACTION.applies_to(payments, catalogue.PAYMENT_SUCCEEDED.type)
    assert REDACTION.applies_to(NAMES.physical(catalogue.TUTOR_ASKED), catalogue.TUTOR_ASKED.type)


def test_an_envelope_of_an_unknown_type_on_a_personal_topic_is_withheld_whole() -> None:
    stray = record(
        NAMES.physical(REQUESTED),
        envelope("UserRegistrationRequestedV9", {"user_id": USER_ID, "mail": EMAIL}),
        key=EMAIL.encode(),
    )
    assert REDACTION.applies_to(stray.topic, "UserRegistrationRequestedV9")
    row = redacted(stray)
    assert (row["payload"], row["_key"]) == (REDACTED, REDACTED)
    assert row["type"] == "UserRegistrationRequestedV9"


def test_a_body_that_is_no_envelope_is_withheld_only_on_a_topic_with_personal_data() -> None:
    garbage = b'{"email": "' + EMAIL.encode() + b'"'
    on_personal = REDACTION.raw(raw_row(record(NAMES.dlq(REQUESTED), garbage, EMAIL.encode())))
    assert (on_personal["_raw"], on_personal["_key"]) == (REDACTED, REDACTED)
    payments = NAMES.physical(catalogue.PAYMENT_SUCCEEDED)
    on_payments = REDACTION.raw(raw_row(record(payments, b"not json", b"k")))
    assert (on_payments["_raw"], on_payments["_key"]) == ("not json", "k")


@pytest.mark.parametrize("fmt", list(Format))
def test_no_format_writes_the_email_and_every_format_keeps_the_rows(
    fmt: Format, tmp_path: Path
) -> None:
    path = tmp_path / f"out.{fmt.value}"
    with open_writer(fmt, path, tmp_path / "spool") as writer:
        writer.write_row(redacted(REGISTRATION))
        writer.write_row(redacted(PATH))
        writer.finish()
    data = path.read_bytes()
    assert EMAIL.encode() not in data
    assert b"Ada" not in data
    assert USER_ID.encode() in data
    if fmt is Format.PARQUET:
        assert pq.read_table(path).num_rows == 2


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (["--include-personal-data"], "needs --reason"),
        (["--include-personal-data", "--reason", "   "], "needs --reason"),
        (["--include-personal-data", "--reason", "x" * 1001], "longer than 1000"),
        (["--include-personal-data", "--reason", "DPO-12", "--operator", " "], "blank"),
        (["--reason", "DPO-12"], "go with --include-personal-data"),
        (["--where", f"email={EMAIL}"], "that field is personal"),
    ],
)
def test_the_cli_refuses_clear_personal_data_without_a_reason_before_connecting(
    arguments: list[str], complaint: str, tmp_path: Path
) -> None:
    output = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        app, ["replay", "export", "-t", "user.registered.v2", "-o", str(output), *arguments]
    )
    assert result.exit_code == 2
    assert complaint in " ".join(result.output.split())
    assert not output.exists()


def test_a_disclosure_records_the_os_user_and_the_operator() -> None:
    disclosure = Disclosure.asked("DPO-12: subject access request", "dana")
    assert disclosure.os_user
    assert disclosure.operator == "dana"
    with pytest.raises(DisclosureRefused):
        Disclosure.asked(None, None)


@pytest.mark.parametrize(
    ("filters", "topic"),
    [
        (Filters.build(where=[f"email={EMAIL}"]), catalogue.USER_REGISTERED_V2),
        (Filters.build(where=["steps.0.title=engines"]), catalogue.LEARNING_PATH_GENERATED),
        (Filters.build(where=["data.billing_details.email=x"]), catalogue.PAYMENT_WEBHOOK_RECEIVED),
        (Filters.build(keys=[EMAIL]), REQUESTED),
    ],
    ids=["email", "a list item's title", "inside a personal object", "a key that is an email"],
)
def test_a_redacted_export_refuses_to_filter_on_a_personal_value(
    filters: Filters, topic: catalogue.TopicSpec
) -> None:
    refusal = REDACTION.refusal(filters, [NAMES.physical(topic)])
    assert refusal is not None
    assert "needs --include-personal-data --reason TEXT" in refusal


def test_a_redacted_export_filters_on_ids_amounts_and_user_id_keys() -> None:
    by_fields = Filters.build(where=["currency=EUR", f"user_id={USER_ID}"])
    assert REDACTION.refusal(by_fields, [NAMES.physical(catalogue.PAYMENT_SUCCEEDED)]) is None
    by_key = Filters.build(keys=[USER_ID])
    assert REDACTION.refusal(by_key, [NAMES.physical(catalogue.USER_REGISTERED_V2)]) is None
