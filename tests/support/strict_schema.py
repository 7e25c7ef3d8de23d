"""The rules OpenAI documents for strict structured outputs (`"strict": true`), so the test
model server refuses what OpenAI would refuse ("Supported schemas" in OpenAI's Structured
Outputs guide): a schema that breaks them gets a 400, as from OpenAI itself.

- The root is an object, not `anyOf`.
- Every object sets `additionalProperties: false` and lists every property in `required`
  (an optional field is a required one whose type admits null).
- Only these types: string, number, integer, boolean, object, array, null, enums, `anyOf`;
  `$defs`/`$ref` for reuse.
- Only these keywords besides structure: for strings `pattern` and `format` (one of the
  listed formats); for numbers `multipleOf`, `minimum`, `maximum`, `exclusiveMinimum`,
  `exclusiveMaximum`; for arrays `minItems`, `maxItems`; `enum`, `const`, `title`,
  `description` anywhere. Anything else (`default`, `minLength`, `maxLength`,
  `uniqueItems`, `allOf`, `oneOf`, `not`, `patternProperties`, ...) is refused.
- At most 5,000 object properties in all and 10 levels of nesting; at most 1,000 enum values.
"""

from __future__ import annotations

from typing import Any

TYPES = {"string", "number", "integer", "boolean", "object", "array", "null"}
FORMATS = {"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"}
EVERYWHERE = {"type", "enum", "const", "title", "description", "anyOf", "$ref", "$defs"}
BY_TYPE = {
    "string": {"pattern", "format"},
    "number": {"multipleOf", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"},
    "integer": {"multipleOf", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"},
    "array": {"items", "minItems", "maxItems"},
    "object": {"properties", "required", "additionalProperties"},
}
MAX_PROPERTIES = 5_000
MAX_DEPTH = 10
MAX_ENUM_VALUES = 1_000


class _Walk:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.properties = 0
        self.enum_values = 0

    def node(self, schema: Any, where: tuple[str, ...], depth: int) -> None:
        if not isinstance(schema, dict):
            self.errors.append(f"In context={where}, a schema must be an object")
            return
        if depth > MAX_DEPTH:
            self.errors.append(f"{depth} levels of nesting exceeds limit of {MAX_DEPTH}")
            return
        types = self._types(schema, where)
        allowed = set(EVERYWHERE).union(*(BY_TYPE.get(t, set()) for t in types))
        for keyword in sorted(set(schema) - allowed):
            self.errors.append(f"In context={where}, '{keyword}' is not permitted")
        if "format" in schema and schema["format"] not in FORMATS:
            self.errors.append(f"In context={where}, format '{schema['format']}' is not supported")
        if "enum" in schema:
            self.enum_values += len(schema["enum"])
        if "object" in types or "properties" in schema:
            self._object(schema, where, depth)
        if "items" in schema:
            self.node(schema["items"], (*where, "items"), depth + 1)
        for i, option in enumerate(schema.get("anyOf", ())):
            self.node(option, (*where, "anyOf", str(i)), depth)
        for name, definition in schema.get("$defs", {}).items():
            self.node(definition, ("$defs", name), 1)

    def _types(self, schema: dict[str, Any], where: tuple[str, ...]) -> set[str]:
        given = schema.get("type")
        types = set(given) if isinstance(given, list) else {given} if given else set()
        for unknown in sorted(types - TYPES):
            self.errors.append(f"In context={where}, type '{unknown}' is not supported")
        return types

    def _object(self, schema: dict[str, Any], where: tuple[str, ...], depth: int) -> None:
        properties: dict[str, Any] = schema.get("properties", {})
        self.properties += len(properties)
        if schema.get("additionalProperties") is not False:
            self.errors.append(
                f"In context={where}, 'additionalProperties' is required to be supplied "
                "and to be false"
            )
        missing = [name for name in properties if name not in schema.get("required", [])]
        if missing:
            self.errors.append(
                f"In context={where}, 'required' is required to be supplied and to be an "
                f"array including every key in properties. Missing '{missing[0]}'"
            )
        for name, child in properties.items():
            self.node(child, (*where, "properties", name), depth + 1)


def strict_schema_errors(schema: Any) -> list[str]:
    """Why OpenAI would refuse `schema` for a strict structured output (empty: it would not)."""
    walk = _Walk()
    if not isinstance(schema, dict) or schema.get("type") != "object" or "anyOf" in schema:
        walk.errors.append("the root of a strict schema must be an object, not anyOf")
    walk.node(schema, (), 1)
    if walk.properties > MAX_PROPERTIES:
        walk.errors.append(f"{walk.properties} object properties exceed {MAX_PROPERTIES}")
    if walk.enum_values > MAX_ENUM_VALUES:
        walk.errors.append(f"{walk.enum_values} enum values exceed {MAX_ENUM_VALUES}")
    return walk.errors
