"""Export files: JSON Lines as the events were written; CSV and Parquet as flat tables."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from aiokafka.structs import ConsumerRecord
from pydantic_core import from_json, to_json

from stack.replay.filters import json_text
from stack.replay.rows import (
    ENVELOPE_COLUMNS,
    META_COLUMNS,
    PAYLOAD,
    RAW_COLUMN,
    Row,
    event_line,
    event_row,
    flatten,
    json_line,
    raw_row,
)

_BUFFER = 1 << 20
# Rows per Parquet row group: large enough for good compression, small enough for memory.
ROW_GROUP = 50_000
_INT64 = (-(2**63), 2**63 - 1)


class RowWriter:
    """Takes records one at a time; `finish` completes the file, `close` releases it anyway."""

    def write_event(self, record: ConsumerRecord) -> None:
        """Add a record whose body is a valid envelope (decoded and vouched for already)."""
        raise NotImplementedError

    def write_raw(self, record: ConsumerRecord) -> None:
        """Add a record whose body is not an envelope: its value goes in `_raw`."""
        raise NotImplementedError

    def write_row(self, row: Row) -> None:
        """Add a row already made (and changed, e.g. redacted) from a record."""
        raise NotImplementedError

    def finish(self) -> None:
        """Complete the file (only after the last row; an unfinished file is thrown away)."""

    def close(self) -> None:
        """Release open files (after `finish`, or instead of it on failure)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class JsonlWriter(RowWriter):
    """One JSON object per line: the envelope with its payload object and `_` fields."""

    def __init__(self, stream: IO[bytes], *, owned: bool = True) -> None:
        self._stream = stream
        self._owned = owned

    @classmethod
    def to_path(cls, path: Path) -> JsonlWriter:
        """A writer that creates `path`."""
        return cls(open(path, "wb", buffering=_BUFFER))

    def write_event(self, record: ConsumerRecord) -> None:
        self._stream.write(event_line(record))

    def write_raw(self, record: ConsumerRecord) -> None:
        self._stream.write(json_line(raw_row(record)))

    def write_row(self, row: Row) -> None:
        self._stream.write(json_line(row))

    def finish(self) -> None:
        self._stream.flush()

    def close(self) -> None:
        if self._owned:
            self._stream.close()


class TableWriter(RowWriter):
    """A flat table whose columns are the union over every row in the file.

    The union is known only after the last row, so rows are spooled to a scratch file
    (JSON Lines, so memory stays flat however long the window) and the table is written
    from it at `finish`, with each column's type chosen from every value it held.
    """

    def __init__(self, path: Path, spool: Path) -> None:
        self._path = path
        self._spool_path = spool
        # Closed by `finish` or `close` (RowWriter is the context manager).
        self._spool: IO[bytes] | None = open(spool, "wb", buffering=_BUFFER)  # noqa: SIM115
        self._kinds: dict[str, set[type]] = {}

    def write_event(self, record: ConsumerRecord) -> None:
        self.write(event_row(record))

    def write_raw(self, record: ConsumerRecord) -> None:
        self.write(raw_row(record))

    def write_row(self, row: Row) -> None:
        self.write(row)

    def write(self, row: Row) -> None:
        """Add one row (nested payload objects are flattened into columns)."""
        flat = flatten(row)
        kinds = self._kinds
        for column, value in flat.items():
            seen = kinds.get(column)
            if seen is None:
                seen = kinds[column] = set()
            if value is not None:
                kind = type(value)
                if kind is int and not _INT64[0] <= value <= _INT64[1]:
                    kind = str  # past int64: kept exactly, as text
                seen.add(kind)
        assert self._spool is not None
        self._spool.write(to_json(flat))
        self._spool.write(b"\n")

    @property
    def columns(self) -> list[str]:
        """The envelope's fields, the payload's columns (sorted), then the record's."""
        payload = sorted(c for c in self._kinds if c.startswith(f"{PAYLOAD}.") or c == PAYLOAD)
        fixed = {*ENVELOPE_COLUMNS, *META_COLUMNS, RAW_COLUMN, *payload}
        # Valid envelopes have no other fields (extra="forbid"); kept anyway, never dropped.
        other = sorted(c for c in self._kinds if c not in fixed)
        return [*ENVELOPE_COLUMNS, *payload, *other, *META_COLUMNS, RAW_COLUMN]

    def finish(self) -> None:
        assert self._spool is not None
        self._spool.close()
        self._spool = None
        self._write_table(self.columns, self._spooled())

    def _spooled(self) -> Iterator[Row]:
        with open(self._spool_path, "rb") as spool:
            for line in spool:
                row: Row = from_json(line)
                yield row

    def _write_table(self, columns: list[str], rows: Iterator[Row]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        if self._spool is not None:
            self._spool.close()
            self._spool = None


class CsvWriter(TableWriter):
    """CSV with a header row; empty cells are nulls; lists and objects as JSON text."""

    def _write_table(self, columns: list[str], rows: Iterator[Row]) -> None:
        with open(self._path, "w", encoding="utf-8", newline="", buffering=_BUFFER) as out:
            writer = csv.writer(out)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_cell(row.get(column)) for column in columns])


def _cell(value: Any) -> str:
    # json_text writes booleans as true/false, which DuckDB and pandas both read as booleans.
    return "" if value is None else json_text(value)


def chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
