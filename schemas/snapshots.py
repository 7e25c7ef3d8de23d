"""JSON Schema snapshots of every model, and the compatibility rule they are checked against."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from schemas.catalogue import CATALOGUE
from schemas.compatibility import breaking_changes
from schemas.envelope import Envelope

SNAPSHOT_DIR = Path(__file__).parent / "snapshots"


def current_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of the envelope and of every topic's model, keyed by snapshot file stem."""
    schemas: dict[str, dict[str, Any]] = {"envelope": Envelope.model_json_schema()}
    for spec in CATALOGUE:
        schemas[spec.name] = spec.model.model_json_schema()
    return schemas


def write_snapshots(directory: Path = SNAPSHOT_DIR) -> list[Path]:
    """Write the current schemas as the committed snapshots (run after an additive change)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, schema in current_schemas().items():
        path = directory / f"{stem}.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written


def load_snapshot(stem: str, directory: Path = SNAPSHOT_DIR) -> dict[str, Any] | None:
    """The committed snapshot for `stem`, or None when the topic is new."""
    path = directory / f"{stem}.json"
    if not path.exists():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def incompatibilities(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Why `new` cannot replace `old` on the same topic (empty: every change reads both ways).

    The whole schema is compared (nested objects, `$defs`, enums, constraints, required
    sets); `schemas.compatibility` says how each change is classified.
    """
    return [str(change) for change in breaking_changes(old, new)]
