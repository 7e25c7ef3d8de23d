"""Export files: rows from records, flattening, JSONL/CSV/Parquet read back, atomic output."""

from __future__ import annotations

import json
import os
import stat
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from aiokafka.structs import ConsumerRecord

from stack.replay.atomic import atomic_output
from stack.replay.formats import Format, format_for, open_writer
from stack.replay.parquet import ParquetWriter, arrow_type
from stack.replay.rows import (
    Row,
    decode_envelope,
    event_line,
    event_row,
    flatten,
    json_line,
    raw_row,
)
from stack.replay.writers import CsvWriter, JsonlWriter, RowWriter

OCCURRED = "2024-05-01T12:00:00.123456Z"


def envelope(payload: dict[str, Any], type_: str = "PaymentSucceeded") -> dict[str, Any]:
    event_id = str(uuid.uuid4())
    return {
        "event_id": event_id,
        "type": type_,
        "schema_version": 1,
        "occurred_at": OCCURRED,
        "correlation_id": event_id,
        "causation_id": None,
        "actor": "test",
        "payload": payload,
    }


def record(value: bytes | None, offset: int = 0, key: bytes | None = b"k") -> ConsumerRecord:
    return ConsumerRecord(
        topic="t.payment.succeeded",
        partition=2,
        offset=offset,
        timestamp=1714564800123,
        timestamp_type=0,
        key=key,
        value=value,
        checksum=None,
        serialized_key_size=len(key or b""),
        serialized_value_size=len(value or b""),
        headers=[],
    )


FIRST = envelope({"amount_minor": 500, "currency": "EUR", "card": {"brand": "visa"}})
SECOND = envelope(
    {"amount_minor": 7, "refund": {"reason": "dup", "partial": True}, "tags": ["a", "é"]}
)


def records() -> list[ConsumerRecord]:
    """Two events whose payloads differ in shape, and one garbage record."""
    return [
        record(json.dumps(FIRST).encode(), 0),
        record(json.dumps(SECOND, ensure_ascii=False).encode(), 1),
        record(b"\xffnot json", 2, key=None),
    ]


def expected_rows() -> list[dict[str, Any]]:
    return [event_row(r) for r in records()[:2]] + [raw_row(records()[2])]


def write(writer: RowWriter, items: Sequence[ConsumerRecord]) -> None:
    with writer:
        for item in items:
            if decode_envelope(item.value) is None:
                writer.write_raw(item)
            else:
                writer.write_event(item)
        writer.finish()


def test_a_valid_envelope_decodes() -> None:
    decoded = decode_envelope(json.dumps(FIRST).encode())
    assert decoded is not None
    assert decoded.payload == FIRST["payload"]


@pytest.mark.parametrize(
    "value",
    [None, b"", b"not json", b"[1, 2]", b'{"type": "X"}', b"\xff\xfe"],
    ids=["tombstone", "empty", "text", "array", "not-an-envelope", "binary"],
)
def test_anything_else_is_not_an_envelope(value: bytes | None) -> None:
    assert decode_envelope(value) is None


def test_an_envelope_with_fields_the_contract_does_not_know_is_not_an_envelope() -> None:
    body = {**envelope({}), "surprise": 1}
    assert decode_envelope(json.dumps(body).encode()) is None


def test_an_event_row_is_the_body_as_written_plus_where_it_was_found() -> None:
    row = event_row(records()[0])
    assert {k: v for k, v in row.items() if not k.startswith("_")} == FIRST
    assert (row["_topic"], row["_partition"], row["_offset"]) == ("t.payment.succeeded", 2, 0)
    assert (row["_timestamp"], row["_key"]) == (1714564800123, "k")


@pytest.mark.parametrize(
    "body",
    [
        json.dumps(SECOND, ensure_ascii=False).encode(),
        json.dumps(FIRST).encode() + b"  \n",
        json.dumps(FIRST, indent=2).encode(),
    ],
    ids=["compact", "trailing-whitespace", "pretty-printed"],
)
def test_a_json_lines_line_is_one_line_holding_the_event_row(body: bytes) -> None:
    line = event_line(record(body, key="clé".encode()))
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    assert json.loads(line) == event_row(record(body, key="clé".encode()))


@pytest.mark.parametrize(
    "key",
    [b"73964af2-801f-5d81", b"ada@example.org", b'say "hi"', b"back\\slash", b"tab\t", b"\xff"],
)
def test_any_key_is_written_as_a_json_string(key: bytes) -> None:
    line = event_line(record(json.dumps(FIRST).encode(), key=key))
    assert json.loads(line)["_key"] == key.decode("utf-8", "backslashreplace")


@pytest.mark.parametrize(
    "row",
    [
        {**SECOND, "_key": "clé", "_offset": 2**63 - 1},
        {"payload": {"ratio": 0.1, "big": 2**70, "tiny": 1.5e-7, "none": None, "ok": True}},
        {"payload": {"text": 'line\u2028sep </script> "quoted" \\ tab\t', "list": [1, [2]]}},
    ],
    ids=["an-event", "numbers", "awkward-text"],
)
def test_a_row_line_reads_back_as_the_same_row_as_json_dumps_would_write(row: Row) -> None:
    line = json_line(row)
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    assert json.loads(line) == row == json.loads(json.dumps(row, ensure_ascii=False))


def test_a_record_without_a_key_has_a_null_key() -> None:
    assert json.loads(event_line(record(json.dumps(FIRST).encode(), key=None)))["_key"] is None


def test_a_raw_row_keeps_bytes_that_are_not_utf8_visible() -> None:
    row = raw_row(records()[2])
    assert row["_raw"] == "\\xffnot json"
    assert row["_key"] is None


def test_flattening_names_nested_payload_fields_by_path_and_keeps_lists_whole() -> None:
    flat = flatten(event_row(records()[1]))
    assert flat["payload.refund.reason"] == "dup"
    assert flat["payload.refund.partial"] is True
    assert flat["payload.tags"] == ["a", "é"]
    assert "payload" not in flat
    assert flat["type"] == "PaymentSucceeded"


def test_jsonl_round_trips_every_row(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    write(JsonlWriter.to_path(path), records())
    assert [json.loads(line) for line in path.read_text().splitlines()] == expected_rows()
    frame = pd.read_json(path, lines=True)
    assert len(frame) == 3


def test_csv_has_the_union_of_columns_and_reads_back_with_pandas(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write(CsvWriter(path, tmp_path / "spool"), records())
    frame = pd.read_csv(path)
    assert list(frame.columns[:7]) == [
        "event_id",
        "type",
        "schema_version",
        "occurred_at",
        "correlation_id",
        "causation_id",
        "actor",
    ]
    assert {"payload.card.brand", "payload.refund.reason", "payload.tags"} <= set(frame.columns)
    assert list(frame["payload.amount_minor"][:2]) == [500, 7]
    assert frame["payload.card.brand"][0] == "visa"
    assert pd.isna(frame["payload.card.brand"][1])
    assert json.loads(frame["payload.tags"][1]) == ["a", "é"]
    assert frame["_raw"][2] == "\\xffnot json"
    assert list(frame["_offset"]) == [0, 1, 2]


def test_parquet_has_typed_columns_and_reads_back_with_pyarrow(tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    write(ParquetWriter(path, tmp_path / "spool"), records())
    table = pq.read_table(path)
    assert table.num_rows == 3
    schema = table.schema
    assert schema.field("occurred_at").type == pa.timestamp("us", tz="UTC")
    assert schema.field("payload.amount_minor").type == pa.int64()
    assert schema.field("payload.refund.partial").type == pa.bool_()
    assert schema.field("payload.tags").type == pa.string()
    assert schema.field("_timestamp").type == pa.int64()
    columns = table.to_pydict()
    assert columns["payload.card.brand"] == ["visa", None, None]
    assert columns["payload.tags"][1] == '["a","é"]'
    assert columns["_raw"] == [None, None, "\\xffnot json"]
    assert str(columns["occurred_at"][0]) == "2024-05-01 12:00:00.123456+00:00"


def test_parquet_and_csv_read_as_they_are_in_duckdb(tmp_path: Path) -> None:
    write(ParquetWriter(tmp_path / "out.parquet", tmp_path / "s1"), records())
    write(CsvWriter(tmp_path / "out.csv", tmp_path / "s2"), records())
    connection = duckdb.connect()
    try:
        for name in ("out.parquet", "out.csv"):
            found = connection.execute(
                f"SELECT count(*), sum(\"payload.amount_minor\") FROM '{tmp_path / name}'"
            ).fetchall()
            assert found == [(3, 507)]
    finally:
        connection.close()


def test_a_window_with_no_rows_still_makes_valid_files(tmp_path: Path) -> None:
    write(ParquetWriter(tmp_path / "empty.parquet", tmp_path / "s1"), [])
    write(CsvWriter(tmp_path / "empty.csv", tmp_path / "s2"), [])
    assert pq.read_table(tmp_path / "empty.parquet").num_rows == 0
    assert len(pd.read_csv(tmp_path / "empty.csv")) == 0


def test_a_column_whose_values_disagree_becomes_text() -> None:
    assert arrow_type({int, float}) == pa.float64()
    assert arrow_type({int, str}) == pa.string()
    assert arrow_type({bool, int}) == pa.string()
    assert arrow_type(set()) == pa.string()


def test_a_number_too_large_for_int64_is_kept_exactly_as_text(tmp_path: Path) -> None:
    body = json.dumps({**FIRST, "payload": {"big": 2**70}}).encode()
    write(ParquetWriter(tmp_path / "big.parquet", tmp_path / "s"), [record(body)])
    assert pq.read_table(tmp_path / "big.parquet").to_pydict()["payload.big"] == [str(2**70)]


def test_formats_follow_the_file_suffix() -> None:
    assert format_for(Path("x.parquet")) is Format.PARQUET
    assert format_for(Path("x.CSV")) is Format.CSV
    assert format_for(Path("x.jsonl")) is Format.JSONL
    assert format_for(Path("x.txt")) is None


@pytest.mark.parametrize("fmt", list(Format))
def test_a_finished_export_replaces_the_destination_and_leaves_no_scratch(
    tmp_path: Path, fmt: Format
) -> None:
    destination = tmp_path / f"out.{fmt}"
    destination.write_text("the previous export")
    with atomic_output(destination) as target:
        write(open_writer(fmt, target.path, target.scratch("spool")), records())
    assert [p.name for p in tmp_path.iterdir()] == [destination.name]
    assert destination.read_text(errors="replace") != "the previous export"


@pytest.mark.parametrize("fmt", list(Format))
@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_a_failed_export_leaves_no_file_and_keeps_the_previous_one(
    tmp_path: Path, fmt: Format, error: type[BaseException]
) -> None:
    destination = tmp_path / f"out.{fmt}"
    destination.write_text("the previous export")

    def export_that_fails() -> None:
        with atomic_output(destination) as target:
            writer = open_writer(fmt, target.path, target.scratch("spool"))
            with writer:
                writer.write_event(records()[0])
                raise error()

    with pytest.raises(error):
        export_that_fails()
    assert [p.name for p in tmp_path.iterdir()] == [destination.name]
    assert destination.read_text() == "the previous export"


def test_a_failed_first_export_leaves_the_directory_empty(tmp_path: Path) -> None:
    def export_that_fails() -> None:
        with atomic_output(tmp_path / "out.parquet") as target:
            target.path.write_text("half")
            target.scratch("spool").write_text("half")
            raise RuntimeError("broker went away")

    with pytest.raises(RuntimeError):
        export_that_fails()
    assert list(tmp_path.iterdir()) == []


def test_an_export_into_a_missing_directory_fails_before_reading(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError), atomic_output(tmp_path / "nope" / "out.csv"):
        pytest.fail("the block must not run")


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_a_pipe_as_destination_is_written_through_never_replaced(tmp_path: Path, fmt: str) -> None:
    # `-o /dev/null` once renamed a file over the device: a pipe stands in for it here.
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()))
    reader.start()
    with atomic_output(pipe) as target:
        write(open_writer(Format(fmt), target.path, target.scratch("spool")), records())
    reader.join(timeout=10)
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert received
    assert received[0]
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_a_directory_is_not_a_destination(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError), atomic_output(tmp_path):
        pass
