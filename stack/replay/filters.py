"""Which records an export keeps: by envelope type, by record key, by payload field."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from schemas.envelope import HEADER_TYPE, EnvelopeFields

Headers = Sequence[tuple[str, bytes]]

# A field that is absent is not the same as any value, not even "null".
_MISSING = object()


@dataclass(frozen=True)
class Where:
    """`path=value`: the payload field at a dotted path whose JSON value reads as `value`."""

    path: tuple[str, ...]
    value: str

    @classmethod
    def parse(cls, text: str) -> Where:
        """Parse `a.b=value` (the value may itself contain `=`)."""
        field, sep, value = text.partition("=")
        path = tuple(field.strip().split("."))
        if not sep or not all(path):
            raise ValueError(f"{text!r}: write a payload field and a value, e.g. currency=EUR")
        return cls(path, value)

    def matches(self, payload: Mapping[str, Any]) -> bool:
        """Whether the payload has the field and its value reads as this one."""
        found = field_at(payload, self.path)
        return found is not _MISSING and json_text(found) == self.value


def field_at(payload: Mapping[str, Any], path: Sequence[str]) -> Any:
    """The value at a dotted path (list items by index), or a marker when there is none."""
    current: Any = payload
    for part in path:
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return _MISSING
    return current


def json_text(value: Any) -> str:
    """How a JSON value reads on the command line: strings bare, everything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def header(headers: Headers, name: str) -> bytes | None:
    """The first header called `name`, if any."""
    for key, value in headers:
        if key == name:
            return value
    return None


@dataclass(frozen=True)
class Filters:
    """Every filter must hold; within one kind (several --type), any value may match."""

    types: frozenset[str] = frozenset()
    keys: frozenset[bytes] = frozenset()
    where: tuple[Where, ...] = ()

    @classmethod
    def build(
        cls, types: Iterable[str] = (), keys: Iterable[str] = (), where: Iterable[str] = ()
    ) -> Filters:
        """Filters from command-line values (raises ValueError on a malformed --where)."""
        return cls(
            types=frozenset(types),
            keys=frozenset(key.encode() for key in keys),
            where=tuple(Where.parse(text) for text in where),
        )

    @property
    def active(self) -> bool:
        """Whether any filter is set (no filters: every record is kept)."""
        return bool(self.types or self.keys or self.where)

    def admits_record(self, key: bytes | None, headers: Headers) -> bool:
        """False when the key or the `type` header already rule the record out.

        This runs before the body is decoded, so a --type export of a busy topic skips
        the records of other types at the cost of a header lookup. A record without the
        header is let through here and judged on its envelope.
        """
        if self.keys and key not in self.keys:
            return False
        if self.types:
            declared = header(headers, HEADER_TYPE)
            if declared is not None and declared.decode(errors="replace") not in self.types:
                return False
        return True

    def admits_event(self, envelope: EnvelopeFields, payload: Mapping[str, Any]) -> bool:
        """Whether a decoded envelope passes the type and payload-field filters."""
        if self.types and envelope.type not in self.types:
            return False
        return all(condition.matches(payload) for condition in self.where)
