"""Kafka records as export rows: the envelope as it was written, plus where it was found."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from aiokafka.structs import ConsumerRecord
from pydantic import ValidationError
from pydantic_core import from_json, to_json

from schemas.envelope import Envelope

ENVELOPE_COLUMNS = (
    "event_id",
    "type",
    "schema_version",
    "occurred_at",
    "correlation_id",
    "causation_id",
    "actor",
)
META_COLUMNS = ("_topic", "_partition", "_offset", "_timestamp", "_key")
RAW_COLUMN = "_raw"
PAYLOAD = "payload"

Row = dict[str, Any]


def decode_envelope(value: bytes | None) -> Envelope | None:
    """The body as an envelope, or None when it is not one (garbage, a tombstone)."""
    if value is None:
        return None
    try:
        # One pass in pydantic-core parses and validates; bad JSON is a ValidationError too.
        return Envelope.model_validate_json(value)
    except ValidationError:
        return None


def text_of(data: bytes | None) -> str | None:
    """Bytes as text; bytes that are not UTF-8 stay visible as escapes instead of failing."""
    return None if data is None else data.decode("utf-8", "backslashreplace")


def where_found(record: ConsumerRecord) -> Row:
    """The record's coordinates (`_` fields: they are Kafka's, not the event's)."""
    return {
        "_topic": record.topic,
        "_partition": record.partition,
        "_offset": record.offset,
        "_timestamp": record.timestamp,
        "_key": text_of(record.key),
    }


def event_row(record: ConsumerRecord) -> Row:
    """The body of a record known to hold an envelope, as written, with its coordinates.

    Parsed from the bytes rather than dumped from the model, so an export shows exactly
    what was on the topic (the model only vouched for its shape).
    """
    assert record.value is not None
    row: Row = from_json(record.value)
    row.update(where_found(record))
    return row


def raw_row(record: ConsumerRecord) -> Row:
    """A record whose body is not an envelope: kept whole as `_raw`, never dropped."""
    return {RAW_COLUMN: text_of(record.value), **where_found(record)}


_TAIL = b',"_topic":%s,"_partition":%d,"_offset":%d,"_timestamp":%d,"_key":%s}\n'


def event_line(record: ConsumerRecord) -> bytes:
    """The JSON Lines line of a record known to hold an envelope.

    The body's own bytes with the coordinates spliced in before its closing brace: the
    same object `event_row` gives, without parsing and re-encoding the body (the bulk of
    an export's time otherwise). A body spread over several lines is re-encoded instead.
    """
    value: bytes | None = record.value
    assert value is not None
    body = value.rstrip()
    if b"\n" in body or b"\r" in body or not body.endswith(b"}"):
        return json_line(event_row(record))
    coordinates = (_topic_json(record.topic), record.partition, record.offset)
    return body[:-1] + _TAIL % (*coordinates, record.timestamp, _key_json(record.key))


def json_line(row: Row) -> bytes:
    """A row as one line of JSON (UTF-8, compact).

    pydantic-core's encoder, not `json.dumps`: 1.3 µs a row against 7.9 (bench/profiled.md),
    and the same text but for a float's exponent (`1.5e-7`, not `1.5e-07`). NaN stays NaN,
    as `from_json` read it.
    """
    return to_json(row, inf_nan_mode="constants") + b"\n"


# Printable ASCII but for `"` and `\`: such a key (an id, an email) is its own JSON string.
_PLAIN = re.compile(rb"[ !#-\[\]-~]*")


def _key_json(key: bytes | None) -> bytes:
    if key is None:
        return b"null"
    if _PLAIN.fullmatch(key):
        return b'"' + key + b'"'
    return json.dumps(text_of(key), ensure_ascii=False).encode()


@functools.lru_cache(maxsize=1024)
def _topic_json(topic: str) -> bytes:
    return json.dumps(topic, ensure_ascii=False).encode()


def flatten(row: Row) -> Row:
    """A row for a table: the payload's nested objects become `payload.<a>.<b>` columns.

    Lists stay whole (a column per list item would make the columns depend on the data's
    lengths); writers render them as JSON text.
    """
    flat: Row = {}
    for name, value in row.items():
        if name == PAYLOAD and isinstance(value, dict):
            _flatten_into(flat, PAYLOAD, value)
        else:
            flat[name] = value
    return flat


def _flatten_into(flat: Row, prefix: str, obj: dict[str, Any]) -> None:
    for name, value in obj.items():
        column = f"{prefix}.{name}"
        if isinstance(value, dict) and value:
            _flatten_into(flat, column, value)
        else:
            flat[column] = value
