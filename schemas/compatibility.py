"""How a model's JSON Schema may change inside one topic, judged on the whole schema.

Every difference between the committed snapshot and today's schema is classified, at any
depth (nested objects, array items, `$defs`, `anyOf`), by the two questions a rolling
upgrade on a replayable log asks:

- backward: can the new code read every event already in the log (and every event an old
  producer still writes)? Needed because projections are rebuilt from the beginning.
- forward: can old code, still running during the upgrade, read what new producers write?

Readers ignore fields they do not know, so an added optional field is both; so is a new
value of an enum marked extensible (`schemas.base.Extensible`), which readers keep as
text. Anything that is not both (a removed or newly required field, a changed type, a new
value of any other enum, tighter or looser constraints) is breaking for the topic: it goes
on a new topic version (`payment.requested.v2`), and the contract test fails until it does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from schemas.base import EXTENSIBLE_MARK

Schema = dict[str, Any]

# Bounds whose rising tightens what is accepted, and those whose falling does.
_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems")
_EXACT = ("pattern", "format", "const", "multipleOf")


@dataclass(frozen=True)
class Change:
    """One difference between two schemas, and which way it stays readable."""

    where: str
    what: str
    backward: bool
    forward: bool

    @property
    def breaking(self) -> bool:
        """Not both ways readable: it needs a new topic version."""
        return not (self.backward and self.forward)

    def __str__(self) -> str:
        kind = "compatible" if not self.breaking else "breaking"
        ways = "backward" if self.backward else "forward" if self.forward else "neither way"
        readable = "both ways" if not self.breaking else f"readable {ways} only"
        return f"{self.where or '(root)'}: {self.what} ({kind}, {readable})"


def changes(old: Schema, new: Schema) -> list[Change]:
    """Every difference between `old` and `new`, classified."""
    found: list[Change] = []
    _compare(old, new, old, new, "", found, set())
    return found


def breaking_changes(old: Schema, new: Schema) -> list[Change]:
    """The differences that need a new topic version."""
    return [change for change in changes(old, new) if change.breaking]


def _compare(
    old: Schema,
    new: Schema,
    old_root: Schema,
    new_root: Schema,
    where: str,
    found: list[Change],
    seen: set[tuple[str, str]],
) -> None:
    old, new = _resolved(old, old_root), _resolved(new, new_root)
    key = (json.dumps(old, sort_keys=True), json.dumps(new, sort_keys=True))
    if key in seen:  # a recursive schema: this pair is already being compared
        return
    seen.add(key)
    if _types(old) != _types(new):
        found.append(Change(where, f"type {_types(old)} became {_types(new)}", False, False))
        return
    _compare_enums(old, new, where, found)
    _compare_bounds(old, new, where, found)
    _compare_properties(old, new, old_root, new_root, where, found, seen)
    if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
        _compare(old["items"], new["items"], old_root, new_root, f"{where}[]", found, seen)
    for i, (a, b) in enumerate(zip(old.get("anyOf", ()), new.get("anyOf", ()), strict=False)):
        _compare(a, b, old_root, new_root, f"{where}|{i}", found, seen)


def _compare_properties(
    old: Schema,
    new: Schema,
    old_root: Schema,
    new_root: Schema,
    where: str,
    found: list[Change],
    seen: set[tuple[str, str]],
) -> None:
    old_props: Schema = old.get("properties", {})
    new_props: Schema = new.get("properties", {})
    old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
    for name in old_props.keys() - new_props.keys():
        # Old readers that require it fail on new events; new readers ignore it in old ones.
        required = name in old_required
        found.append(Change(_at(where, name), "field removed", True, not required))
    for name in new_props.keys() - old_props.keys():
        required = name in new_required
        what = "required field added" if required else "optional field added"
        found.append(Change(_at(where, name), what, not required, True))
    for name in old_props.keys() & new_props.keys():
        if name in new_required and name not in old_required:
            found.append(Change(_at(where, name), "field became required", False, True))
        if name in old_required and name not in new_required:
            found.append(Change(_at(where, name), "field became optional", True, False))
        _compare(
            old_props[name], new_props[name], old_root, new_root, _at(where, name), found, seen
        )


def _compare_enums(old: Schema, new: Schema, where: str, found: list[Change]) -> None:
    if "enum" not in old and "enum" not in new:
        return
    if "enum" not in new:
        found.append(Change(where, "enum dropped (any value now)", True, False))
        return
    if "enum" not in old:
        found.append(Change(where, "enum added", False, True))
        return
    added = [v for v in new["enum"] if v not in old["enum"]]
    removed = [v for v in old["enum"] if v not in new["enum"]]
    if added:
        # Old readers keep an unknown value of an extensible enum as text (schemas.base).
        extensible = bool(old.get(EXTENSIBLE_MARK)) and bool(new.get(EXTENSIBLE_MARK))
        found.append(Change(where, f"enum values added {added}", True, extensible))
    if removed:
        found.append(Change(where, f"enum values removed {removed}", False, True))


def _compare_bounds(old: Schema, new: Schema, where: str, found: list[Change]) -> None:
    for keyword in (*_LOWER_BOUNDS, *_UPPER_BOUNDS, *_EXACT):
        before, after = old.get(keyword), new.get(keyword)
        if before == after:
            continue
        what = f"{keyword} {before!r} became {after!r}"
        if keyword in _EXACT or before is None or after is None:
            tighter = after is not None and before is None
            looser = before is not None and after is None
            if keyword in _EXACT and not (tighter or looser):
                found.append(Change(where, what, False, False))
                continue
        else:
            rising = after > before
            tighter = rising if keyword in _LOWER_BOUNDS else not rising
            looser = not tighter
        # Tighter: old events may no longer pass. Looser: new events may fail old readers.
        found.append(Change(where, what, not tighter, not looser))


def _resolved(schema: Schema, root: Schema) -> Schema:
    ref = schema.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
        return schema
    target: Schema = root.get("$defs", {}).get(ref.removeprefix("#/$defs/"), {})
    return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}


def _types(schema: Schema) -> str:
    given = schema.get("type")
    if given is not None:
        return json.dumps(sorted(given) if isinstance(given, list) else given)
    if "anyOf" in schema:
        return "anyOf"
    if "properties" in schema:
        return '"object"'
    return "any"


def _at(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name
