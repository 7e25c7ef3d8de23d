"""Which schema a migration statement belongs to, so each database gets only its owners'.

One chain of migrations serves every database. `azora migrate` runs it once per schema a
database holds (the spine `azora` first), and each run executes only the statements of its
schema (`runs_in`); the others are skipped. A statement belongs to the one schema it names
(`wallet.ledger`, `CREATE SCHEMA wallet`), besides the spine, which every database has
(though a spine table only one owner uses, `TABLE_OWNERS`, counts as that owner's). A
statement that cannot tell by its names (a `DO` block that builds them with `format`, or
one naming two schemas) says so in a comment: `-- schema: read`.
"""

from __future__ import annotations

import re

from azora.databases import SCHEMAS, SPINE

KNOWN = frozenset({SPINE, *SCHEMAS.values()})
_NAMES = "|".join(sorted(KNOWN))
# `wallet.ledger`, `"wallet"."ledger"`; not the middle of `read.payments.rank`.
QUALIFIED = re.compile(rf'(?<![\w$."])"?({_NAMES})"?\s*\.\s*"?([A-Za-z_]\w*)', re.IGNORECASE)
# Tables of the spine that only one schema's owner uses: a statement naming one is that
# schema's. The projections' rebuild bookkeeping: its statements (the `DO` blocks that
# change every copy of a read model, live and shadow) run with the read models.
TABLE_OWNERS = {(SPINE, "projection_versions"): "read"}
# CREATE / DROP / ALTER SCHEMA [IF [NOT] EXISTS] name, GRANT ... ON SCHEMA name.
SCHEMA_CLAUSE = re.compile(r'\bSCHEMA\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?"?(\w+)', re.IGNORECASE)
HINT = re.compile(r"--\s*schema:\s*(\w+)", re.IGNORECASE)
LINE_COMMENT = re.compile(r"--[^\n]*")
STRING_LITERAL = re.compile(r"'(?:[^']|'')*'")
# Statements that change something; a statement naming none of our schemas that changes
# something (an extension, a grant to a role) runs once per database, with the spine.
CHANGES = re.compile(
    r"\s*(CREATE|ALTER|DROP|COMMENT|GRANT|REVOKE|INSERT|UPDATE|DELETE|TRUNCATE|DO)\b",
    re.IGNORECASE,
)
# Alembic's own bookkeeping (`alembic_version`, `alembic_version_<schema>`) runs in every pass.
BOOKKEEPING = "alembic_version"


class AmbiguousStatement(ValueError):
    """A migration statement names two schemas and says not which it belongs to."""


def schema_of(statement: str) -> str | None:
    """The schema `statement` belongs to; None when it names none of ours."""
    hinted = HINT.search(statement)
    if hinted:
        schema = hinted.group(1).lower()
        if schema not in KNOWN:
            raise AmbiguousStatement(f"-- schema: {schema} names no schema of ours:\n{statement}")
        return schema
    text = STRING_LITERAL.sub("''", LINE_COMMENT.sub("", statement))
    named: set[str] = {
        TABLE_OWNERS.get((schema.lower(), table.lower()), schema.lower())
        for schema, table in QUALIFIED.findall(text)
    }
    named |= {name.lower() for name in SCHEMA_CLAUSE.findall(text) if name.lower() in KNOWN}
    owned = named - {SPINE}
    if len(owned) > 1:
        raise AmbiguousStatement(
            f"a migration statement names {', '.join(sorted(owned))}: say which schema it "
            f"belongs to with a comment (-- schema: <name>):\n{statement}"
        )
    if owned:
        return owned.pop()
    return SPINE if SPINE in named else None


def runs_in(statement: str, schema: str) -> bool:
    """Whether `statement` runs in the migration pass of `schema`."""
    if BOOKKEEPING in statement:
        return True
    owner = schema_of(statement)
    if owner is not None:
        return owner == schema
    # Look-ups (the driver's, Alembic's) run in every pass; changes, once with the spine.
    return schema == SPINE or not CHANGES.match(LINE_COMMENT.sub("", statement))
