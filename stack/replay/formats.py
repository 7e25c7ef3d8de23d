"""Export formats: which one a file name asks for, and the writer that makes it."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from stack.replay.writers import CsvWriter, JsonlWriter, RowWriter


class Format(StrEnum):
    """An export file format."""

    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"


_SUFFIXES = {
    ".jsonl": Format.JSONL,
    ".ndjson": Format.JSONL,
    ".json": Format.JSONL,
    ".csv": Format.CSV,
    ".parquet": Format.PARQUET,
    ".pq": Format.PARQUET,
}


def format_for(path: Path) -> Format | None:
    """The format a file name asks for by its suffix, if it says."""
    return _SUFFIXES.get(path.suffix.lower())


def open_writer(fmt: Format, path: Path, spool: Path) -> RowWriter:
    """A writer of `fmt` creating `path` (tables spool to `spool` first)."""
    if fmt is Format.JSONL:
        return JsonlWriter.to_path(path)
    if fmt is Format.CSV:
        return CsvWriter(path, spool)
    # pyarrow weighs 40 MB: loaded only by an export that writes Parquet.
    from stack.replay.parquet import ParquetWriter

    return ParquetWriter(path, spool)
