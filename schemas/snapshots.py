"""JSON Schema snapshots of every model, and the compatibility rule they are checked against."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from schemas.catalogue import CATALOGUE
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


def incompatibilities(old: dict[str, Any], new: dict[str, Any], where: str = "") -> list[str]:
    """Why `new` cannot replace `old` on the same topic (empty when the change is additive).

    Allowed: new optional fields, a dropped format. Refused: a removed field, a field
    that became required, a changed type or format, a new required field. Other
    constraints (lengths, patterns) are not compared.
    """
    problems: list[str] = []
    old_props: dict[str, Any] = old.get("properties", {})
    new_props: dict[str, Any] = new.get("properties", {})
    old_required = set(old.get("required", []))
    new_required = set(new.get("required", []))
    for name in old_props:
        if name not in new_props:
            problems.append(f"{where}{name}: field removed")
    for name in new_required - old_required:
        problems.append(f"{where}{name}: field is now required")
    for name, old_prop in old_props.items():
        new_prop = new_props.get(name)
        if new_prop is None:
            continue
        if _type_of(old_prop) != _type_of(new_prop):
            problems.append(
                f"{where}{name}: type changed from {_type_of(old_prop)} to {_type_of(new_prop)}"
            )
        # Dropping a format only relaxes; adding or changing one can refuse old data.
        if new_prop.get("format") not in (None, old_prop.get("format")):
            problems.append(f"{where}{name}: format changed")
    return problems


def _type_of(prop: dict[str, Any]) -> str:
    if "type" in prop:
        return json.dumps(prop["type"], sort_keys=True)
    if "$ref" in prop:
        return str(prop["$ref"])
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in prop:
            return combinator + json.dumps(sorted(_type_of(option) for option in prop[combinator]))
    return "any"
