"""Export formats: which one a file name asks for, and the writer that makes it."""

from __future__ import annotations

import importlib.util
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


# The optional dependency group (pyproject.toml) that brings Parquet support.
PARQUET_EXTRA = "parquet"


class MissingExtraError(RuntimeError):
    """A format needs an optional package that this installation lacks."""


def require_support(fmt: Format) -> None:
    """Fail, naming the extra to install, when `fmt` needs a package that is not installed.

    Called before an export reads anything, so a missing pyarrow costs the operator a
    message, not a long read that ends in an ImportError.
    """
    if fmt is Format.PARQUET and importlib.util.find_spec("pyarrow") is None:
        raise MissingExtraError(
            "Parquet needs pyarrow, which this installation lacks: install Azora with its "
            f"'{PARQUET_EXTRA}' extra (pip install 'azora[{PARQUET_EXTRA}]'), or run the "
            "tools image (docker build --target tools); jsonl and csv need nothing more"
        )


def open_writer(fmt: Format, path: Path, spool: Path) -> RowWriter:
    """A writer of `fmt` creating `path` (tables spool to `spool` first)."""
    if fmt is Format.JSONL:
        return JsonlWriter.to_path(path)
    if fmt is Format.CSV:
        return CsvWriter(path, spool)
    require_support(fmt)
    # pyarrow weighs 40 MB: loaded only by an export that writes Parquet.
    from stack.replay.parquet import ParquetWriter

    return ParquetWriter(path, spool)
