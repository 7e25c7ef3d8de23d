"""Schema evolution inside a topic: every change anywhere in the schema is classified as
readable backward (new code reads old events), forward (old code reads new events), both,
or neither; only changes readable both ways may stay on the topic."""

from __future__ import annotations

import copy
from typing import Any

from schemas.compatibility import Change, breaking_changes, changes
from schemas.snapshots import current_schemas, incompatibilities

Schema = dict[str, Any]


def course() -> Schema:
    """course.published: modules and lessons nest through `$defs`."""
    return copy.deepcopy(current_schemas()["course.published"])


def wallet_credit() -> Schema:
    return copy.deepcopy(current_schemas()["wallet.credited"])


def lesson(schema: Schema) -> Schema:
    found: Schema = schema["$defs"]["Lesson"]
    return found


def the_change(old: Schema, new: Schema) -> Change:
    found = changes(old, new)
    assert len(found) == 1, found
    return found[0]


def test_an_identical_schema_has_no_changes() -> None:
    assert changes(course(), course()) == []


def test_a_new_optional_field_reads_both_ways_even_when_nested() -> None:
    old, new = course(), course()
    lesson(new)["properties"]["duration_minutes"] = {"type": "integer", "minimum": 0}
    change = the_change(old, new)
    assert change.what == "optional field added"
    assert (change.backward, change.forward) == (True, True)
    assert incompatibilities(old, new) == []


def test_removing_a_nested_required_field_is_breaking() -> None:
    old, new = course(), course()
    del lesson(new)["properties"]["content"]
    lesson(new)["required"].remove("content")
    change = the_change(old, new)
    assert change.what == "field removed"
    assert change.where.endswith("content")
    assert change.breaking
    assert (change.backward, change.forward) == (True, False)


def test_retyping_a_nested_field_is_breaking_both_ways() -> None:
    old, new = course(), course()
    lesson(new)["properties"]["content"] = {"type": "integer"}
    change = the_change(old, new)
    assert (change.backward, change.forward) == (False, False)


def test_a_new_required_field_cannot_read_the_events_already_in_the_log() -> None:
    old, new = wallet_credit(), wallet_credit()
    new["properties"]["memo"] = {"type": "string"}
    new["required"].append("memo")
    change = the_change(old, new)
    assert (change.backward, change.forward) == (False, True)


def test_a_new_enum_value_is_one_old_readers_would_refuse() -> None:
    old, new = course(), course()
    new["properties"]["level"]["enum"].append("expert")
    change = the_change(old, new)
    assert change.what == "enum values added ['expert']"
    assert (change.backward, change.forward) == (True, False)


def test_a_tighter_constraint_may_refuse_old_events_and_a_looser_one_new_ones() -> None:
    old, tighter, looser = wallet_credit(), wallet_credit(), wallet_credit()
    tighter["properties"]["amount_minor"]["maximum"] = 1000
    looser["properties"]["amount_minor"]["maximum"] = 10**15
    assert (the_change(old, tighter).backward, the_change(old, tighter).forward) == (False, True)
    assert (the_change(old, looser).backward, the_change(old, looser).forward) == (True, False)


def test_a_changed_pattern_is_breaking_both_ways() -> None:
    old, new = wallet_credit(), wallet_credit()
    new["properties"]["currency"]["pattern"] = "^[A-Z]{4}$"
    change = the_change(old, new)
    assert (change.backward, change.forward) == (False, False)


def test_an_optional_field_made_required_is_breaking() -> None:
    old = wallet_credit()
    old["properties"]["memo"] = {"type": "string"}
    new = copy.deepcopy(old)
    new["required"].append("memo")
    assert [c.what for c in breaking_changes(old, new)] == ["field became required"]


def test_a_breaking_change_is_said_with_where_and_why() -> None:
    old, new = course(), course()
    del lesson(new)["properties"]["content"]
    [said] = incompatibilities(old, new)
    assert "content: field removed (breaking, readable backward only)" in said


def test_a_new_value_of_an_extensible_enum_reads_both_ways() -> None:
    old, new = wallet_credit(), wallet_credit()
    assert old["properties"]["reason"]["x-extensible-enum"] is True
    new["properties"]["reason"]["enum"].append("promotion")
    change = the_change(old, new)
    assert (change.backward, change.forward) == (True, True)
