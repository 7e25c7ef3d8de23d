"""Parquet output: typed columns, written in row groups (imports pyarrow, so only an
export that writes Parquet loads it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from stack.replay.filters import json_text
from stack.replay.rows import RAW_COLUMN, Row
from stack.replay.writers import ROW_GROUP, TableWriter, chunks

# Columns whose meaning is fixed by the envelope and the record, whatever a file holds.
_FIXED_TYPES: dict[str, pa.DataType] = {
    "event_id": pa.string(),
    "type": pa.string(),
    "schema_version": pa.int64(),
    "occurred_at": pa.timestamp("us", tz="UTC"),
    "correlation_id": pa.string(),
    "causation_id": pa.string(),
    "actor": pa.string(),
    "_topic": pa.string(),
    "_partition": pa.int32(),
    "_offset": pa.int64(),
    "_timestamp": pa.int64(),
    "_key": pa.string(),
    RAW_COLUMN: pa.string(),
}


def arrow_type(kinds: set[type]) -> pa.DataType:
    """The narrowest column type that holds every value seen (text when they disagree)."""
    if kinds == {bool}:
        return pa.bool_()
    if kinds and kinds <= {int}:
        return pa.int64()
    if kinds and kinds <= {int, float}:
        return pa.float64()
    return pa.string()


class ParquetWriter(TableWriter):
    """Parquet with typed columns: `occurred_at` a UTC timestamp, numbers as numbers."""

    def _write_table(self, columns: list[str], rows: Iterator[Row]) -> None:
        schema = pa.schema(
            [
                pa.field(c, _FIXED_TYPES.get(c) or arrow_type(self._kinds.get(c, set())))
                for c in columns
            ]
        )
        with pq.ParquetWriter(self._path, schema) as writer:
            for chunk in chunks(rows, ROW_GROUP):
                arrays = [
                    pa.array(_values(chunk, field.name, field.type), type=field.type)
                    for field in schema
                ]
                writer.write_table(pa.Table.from_arrays(arrays, schema=schema))


def _values(rows: list[Row], column: str, kind: pa.DataType) -> list[Any]:
    values = [row.get(column) for row in rows]
    if column == "occurred_at":
        return [None if v is None else datetime.fromisoformat(v) for v in values]
    if kind == pa.string():
        return [v if v is None or isinstance(v, str) else json_text(v) for v in values]
    return values
