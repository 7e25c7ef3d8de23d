"""Personal fields out of export rows: each replaced by a fixed marker, the row kept.

Which fields are personal is the contract's one list (`schemas.personal`). An event keeps
its ids, amounts and counts; only the personal values become `REDACTED`, nested ones
included, so an export has exactly the rows kcat reads. A record on a topic that carries
personal data whose body is not an envelope cannot be judged field by field: its `_raw`
body is withheld whole. A key that is a personal field (a registration keyed by email) is
withheld too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from azora.topics import TopicNames
from schemas.catalogue import CATALOGUE
from schemas.personal import personal_fields
from schemas.sealed import SECTION_FIELD
from stack.replay.filters import Filters
from stack.replay.rows import PAYLOAD, RAW_COLUMN, Row

REDACTED = "[redacted]"
KEY_COLUMN = "_key"

Path = tuple[str, ...]


class PersonalFilterRefused(ValueError):
    """A redacted export filtered on a personal value: its rows would reveal that value."""


@dataclass(frozen=True)
class Redaction:
    """What to redact, by envelope type (fields, key) and by physical topic (raw bodies)."""

    fields_by_type: dict[str, tuple[Path, ...]]
    types_keyed_personally: frozenset[str]
    topics_with_personal_data: frozenset[str]
    topics_keyed_personally: frozenset[str] = frozenset()
    # Every type of the catalogue: an envelope of another type cannot be judged by field.
    known_types: frozenset[str] = frozenset()

    @classmethod
    def of_catalogue(cls, names: TopicNames) -> Redaction:
        """The redaction the contract's list asks for, on this deployment's topics."""
        fields: dict[str, tuple[Path, ...]] = {}
        keyed: set[str] = set()
        topics: set[str] = set()
        keyed_topics: set[str] = set()
        for spec in CATALOGUE:
            # A sealed section is ciphertext, useless without its key; still, a redacted
            # export says plainly that personal data was there rather than show it.
            sealed = {SECTION_FIELD} & set(spec.model.model_fields)
            personal = personal_fields(spec.model) | sealed
            if not personal:
                continue
            fields[spec.type] = tuple(tuple(path.split(".")) for path in sorted(personal))
            here = {names.physical(spec), names.dlq(spec)}
            if spec.key_field in personal:
                keyed.add(spec.type)
                keyed_topics |= here
            topics |= here
        known = frozenset(spec.type for spec in CATALOGUE)
        return cls(fields, frozenset(keyed), frozenset(topics), frozenset(keyed_topics), known)

    def refusal(self, filters: Filters, topics: Iterable[str]) -> str | None:
        """Why these filters cannot run redacted, if they cannot: `--where email=ada@...`
        keeps exactly Ada's rows, which says what the redaction hides (and lets anyone
        test an address). None when they can."""
        personal = {path for paths in self.fields_by_type.values() for path in paths}
        for condition in filters.where:
            # List indices (`steps.0.title`) name the same field as the declared path.
            named = tuple(part for part in condition.path if not part.isdigit())
            if any(named[: len(path)] == path for path in personal):
                return (
                    f"--where {'.'.join(condition.path)}=...: that field is personal; "
                    "filtering on it needs --include-personal-data --reason TEXT"
                )
        keyed = sorted(set(topics) & self.topics_keyed_personally)
        if filters.keys and keyed:
            return (
                f"--key on {', '.join(keyed)}: those topics are keyed by a personal value; "
                "filtering on it needs --include-personal-data --reason TEXT"
            )
        return None

    def applies_to(self, topic: str, event_type: str) -> bool:
        """Whether an event of `event_type` found on `topic` has anything to redact."""
        return event_type in self.fields_by_type or self._unknown_on_personal(topic, event_type)

    def event(self, row: Row, event_type: str) -> Row:
        """`row` (an event's, as `event_row` gives it) with its personal fields redacted.

        An envelope of a type outside the catalogue on a topic that carries personal data
        (a stray producer's, a future version's) cannot be judged field by field: its
        whole payload is withheld, and its key if the topic's key is personal.
        """
        topic = str(row.get("_topic"))
        payload = row.get(PAYLOAD)
        withheld_key = event_type in self.types_keyed_personally
        if self._unknown_on_personal(topic, event_type):
            row[PAYLOAD] = REDACTED
            withheld_key = topic in self.topics_keyed_personally
        elif isinstance(payload, dict):
            for path in self.fields_by_type.get(event_type, ()):
                _redact_path(payload, path)
        if withheld_key and row.get(KEY_COLUMN) is not None:
            row[KEY_COLUMN] = REDACTED
        return row

    def _unknown_on_personal(self, topic: str, event_type: str) -> bool:
        return event_type not in self.known_types and topic in self.topics_with_personal_data

    def raw(self, row: Row) -> Row:
        """A raw row (not an envelope): its body and key withheld on a personal topic."""
        if row.get("_topic") in self.topics_with_personal_data:
            for column in (RAW_COLUMN, KEY_COLUMN):
                if row.get(column) is not None:
                    row[column] = REDACTED
        return row


def _redact_path(obj: dict[str, Any], path: Path) -> None:
    head, rest = path[0], path[1:]
    if head not in obj or obj[head] is None:
        return  # absent or null: nothing personal to hide, and null stays null
    if not rest:
        obj[head] = REDACTED
        return
    for child in _objects(obj[head]):
        _redact_path(child, rest)


def _objects(value: Any) -> Iterable[dict[str, Any]]:
    # A path crosses a nested object, or each object of a list of them.
    if isinstance(value, dict):
        return (value,)
    if isinstance(value, list):
        return (item for item in value if isinstance(item, dict))
    return ()
