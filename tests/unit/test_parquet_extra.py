"""Parquet is an optional extra: without pyarrow an export says which extra to install, and
says it before reading anything. The suite itself has pyarrow (dev includes the extra), so
its absence is simulated by hiding the module."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stack.cli import app
from stack.replay.formats import Format, MissingExtraError, open_writer, require_support


@pytest.fixture
def without_pyarrow(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules is how Python marks a module as unimportable.
    for name in [n for n in sys.modules if n == "pyarrow" or n.startswith("pyarrow.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.delitem(sys.modules, "stack.replay.parquet", raising=False)


@pytest.mark.usefixtures("without_pyarrow")
def test_a_parquet_writer_without_pyarrow_names_the_extra_to_install(tmp_path: Path) -> None:
    with pytest.raises(MissingExtraError, match=r"azora\[parquet\]"):
        open_writer(Format.PARQUET, tmp_path / "out.parquet", tmp_path / "spool")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("without_pyarrow")
@pytest.mark.parametrize("fmt", [Format.JSONL, Format.CSV])
def test_jsonl_and_csv_need_no_extra(fmt: Format) -> None:
    require_support(fmt)


@pytest.mark.usefixtures("without_pyarrow")
def test_the_export_command_refuses_parquet_before_reading_without_pyarrow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A broker nobody listens on: reaching for it would fail differently (and slowly).
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9")
    output = tmp_path / "payments.parquet"

    result = CliRunner().invoke(
        app, ["replay", "export", "--topic", "payment.succeeded", "-o", str(output), "-q"]
    )

    assert result.exit_code == 2, result.output
    assert "azora[parquet]" in result.output
    assert "tools image" in result.output
    assert not output.exists()


def test_the_dev_install_carries_the_extra_so_the_suite_exercises_parquet() -> None:
    assert importlib.util.find_spec("pyarrow") is not None
    require_support(Format.PARQUET)
