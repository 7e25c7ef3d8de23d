"""Dead letters read from their records, shown to people, and turned back into records."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from azora import dead_letter_records as records
from azora.consume import dead_letters as dlq
from azora.consume.dead_letters import FailedRecord, dead_letter
from azora.consume.service import RawRecord
from azora.messages import headers_from_json, jsonable_headers
from azora.topics import TopicNames
from consumers.projections.dead_letters import dead_letter_id, row_of
from schemas import catalogue

NAMES = TopicNames("t1.")
SPEC = catalogue.USER_REGISTRATION_REQUESTED


def a_dead_letter(value: bytes, headers: tuple[tuple[str, bytes], ...] = ()) -> RawRecord:
    failed = FailedRecord(NAMES.physical(SPEC), 2, 41, b"key", value, headers)
    letter = dead_letter(
        failed,
        dlq_topic=NAMES.dlq(SPEC),
        group="t1.identity",
        error="bad",
        kind="decode",
        attempts=1,
    )
    return RawRecord(
        letter.topic, 0, 7, 1_700_000_000_000, letter.key, letter.value, letter.headers
    )


def test_a_dead_letter_row_says_where_it_failed_and_why() -> None:
    event_id = uuid.uuid4()
    record = a_dead_letter(b"{}", (("event_id", str(event_id).encode()), ("type", b"Thing")))

    row = row_of(record)

    assert row.id == dead_letter_id(NAMES.dlq(SPEC), 0, 7)
    assert (row.origin_topic, row.origin_partition, row.origin_offset) == (
        "t1.user.registration_requested",
        2,
        41,
    )
    assert (row.group_id, row.error, row.error_kind, row.attempts) == (
        "t1.identity",
        "bad",
        "decode",
        1,
    )
    assert row.event_id == event_id
    assert row.event_type == "Thing"
    assert row.failed_at.tzinfo is not None
    assert row.key == b"key"
    assert row.value == b"{}"


def test_without_headers_the_event_id_and_type_come_from_the_body() -> None:
    event_id = uuid.uuid4()
    body = json.dumps({"event_id": str(event_id), "type": "Thing", "payload": {}}).encode()
    assert (row_of(a_dead_letter(body)).event_id, row_of(a_dead_letter(body)).event_type) == (
        event_id,
        "Thing",
    )
    for garbage in (b"\xff", b"[" * 100_000, b"[]", b'{"event_id": 7}'):
        row = row_of(a_dead_letter(garbage))
        assert (row.event_id, row.event_type) == (None, None)


def test_the_same_position_is_the_same_dead_letter() -> None:
    assert dead_letter_id("a.dlq", 0, 1) == dead_letter_id("a.dlq", 0, 1)
    assert dead_letter_id("a.dlq", 0, 1) != dead_letter_id("a.dlq", 0, 2)
    assert dead_letter_id("a.dlq", 0, 1) != dead_letter_id("b.dlq", 0, 1)


def test_a_record_someone_else_wrote_to_a_dlq_still_becomes_a_row() -> None:
    record = RawRecord(
        "t1.x.dlq",
        0,
        3,
        1_700_000_000_000,
        None,
        b"\x00\xff",
        (
            (dlq.ORIGIN_PARTITION, b"not a number"),
            (dlq.FAILED_AT, b"yesterday"),
            ("event_id", b"not-a-uuid"),
            ("bad\x00name", b"\x00\xff"),
        ),
    )

    row = row_of(record)

    assert row.origin_topic is None
    assert row.origin_partition is None
    assert row.error == ""
    assert row.event_id is None
    assert row.failed_at == datetime.fromtimestamp(1_700_000_000, UTC)
    assert all("\x00" not in name for name, _ in row.headers), "Postgres keeps no NUL in jsonb"


def stored(record: RawRecord) -> dict[str, Any]:
    row = row_of(record)
    return {**row.__dict__, "headers": row.headers}


def test_a_redrive_sends_the_original_record_without_its_dlq_headers() -> None:
    original = (("event_id", b"e1"), ("traceparent", b"00-abc"))
    row = stored(a_dead_letter(b'{"a": 1}', original))

    message = records.redrive_message(NAMES, row)

    assert message.topic == NAMES.physical(SPEC)
    assert message.key == b"key"
    assert message.value == b'{"a": 1}'
    assert message.headers == (*original, (dlq.REDRIVEN_FROM, str(row["id"]).encode()))


def test_a_redriven_record_that_fails_again_links_its_new_dead_letter_to_the_old() -> None:
    row = stored(a_dead_letter(b"x"))
    again = records.redrive_message(NAMES, row)
    failed = FailedRecord(again.topic, 0, 99, again.key, again.value, again.headers)

    letter = dead_letter(
        failed, dlq_topic=NAMES.dlq(SPEC), group="g", error="still bad", kind="decode", attempts=1
    )

    names = [name for name, _ in letter.headers]
    assert names.count(dlq.REDRIVEN_FROM) == 1
    assert dict(letter.headers)[dlq.REDRIVEN_FROM] == str(row["id"]).encode()
    assert dict(letter.headers)[dlq.ORIGIN_OFFSET] == b"99"


def test_a_dead_letter_without_a_topic_of_this_deployment_is_not_redriven() -> None:
    row = stored(a_dead_letter(b"x"))
    with pytest.raises(records.CannotRedrive):
        records.redrive_message(TopicNames("other."), row)
    with pytest.raises(records.CannotRedrive):
        records.redrive_message(NAMES, {**row, "origin_topic": None})


def test_operators_name_topics_as_the_catalogue_does() -> None:
    physical = NAMES.physical(SPEC)
    assert records.origin_topic(NAMES, SPEC.name) == physical
    assert records.origin_topic(NAMES, SPEC.dlq) == physical
    assert records.origin_topic(NAMES, physical) == physical
    assert records.origin_topic(NAMES, NAMES.dlq(SPEC)) == physical
    with pytest.raises(ValueError, match="not a topic"):
        records.origin_topic(NAMES, "no.such_topic")
    assert records.groups(NAMES, "identity") == ["identity", "t1.identity"]


def test_values_are_shown_as_json_text_or_hex() -> None:
    assert json.loads(records.readable(b'{"b": [1, 2]}')) == {"b": [1, 2]}
    assert records.readable(b"plain words") == "plain words"
    assert records.readable(b"tab\there\x01") == "tab\\there\\x01"
    dump = records.readable(b"\x00\xffgarbage")
    assert dump.startswith("00000000  00 ff 67 61")
    assert dump.endswith("..garbage")
    assert records.body_of(b"\xff").text is None
    assert records.body_of(b"\xff").base64 == "/w=="


def test_dead_letter_headers_round_trip_through_json() -> None:
    headers = (("a", b"\x00\xff"), ("b", b"text"))
    assert headers_from_json(jsonable_headers(headers)) == list(headers)
