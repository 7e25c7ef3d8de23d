"""A migration statement for every copy of a read model: the live one and a rebuild's shadow.

A projection rebuild (`azora.projection_versions`, state 'building') fills a shadow schema
beside `read`; a migration that changes a read model's tables must change the shadow's
too, or the swap at the end of the rebuild brings back the old shape. `on_every_copy`
writes the PL/pgSQL block that does so: it runs the statement once for `read` and once
for each shadow of the projection that already has the probe table.
"""

from __future__ import annotations

import re

# Names that need no quoting in SQL: the block puts them in a string literal and a
# format() pattern, so anything else (a quote, a dot, a space) is a typo to refuse.
PLAIN_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# The dollar quote the statement travels in: a statement holding it would end it early.
STATEMENT_QUOTE = "$sql$"

_BLOCK = """
{schema_comment}DO $$
DECLARE target text;
BEGIN
    FOR target IN
        SELECT 'read' UNION ALL
        SELECT shadow FROM azora.projection_versions
        WHERE projection = '{projection}' AND state = 'building'
          AND to_regclass(format('%I.{probe_table}', shadow)) IS NOT NULL
    LOOP
        EXECUTE format({quote}{statement}{quote}, target);
    END LOOP;
END $$
"""


def on_every_copy(
    projection: str, probe_table: str, statement: str, *, schema_comment: bool = False
) -> str:
    """The DO-block that runs `statement` on `read` and on every shadow copy of `projection`.

    `statement` names its tables as `%1$I.<table>` (format() fills in the schema); a shadow
    counts once `probe_table` exists in it. The statement goes in as given, and the block
    keeps a newline on either side, as the migrations' triple-quoted scripts do: migrations
    already applied emit exactly the text they always did. `schema_comment` adds the
    `-- schema: read` hint (`azora.migration_schemas`); the block would run with the read
    models without it (it names azora.projection_versions), but some migrations wrote it.
    """
    for what, name in (("projection", projection), ("probe table", probe_table)):
        if not PLAIN_IDENTIFIER.fullmatch(name):
            raise ValueError(f"the {what} must be a plain lower-case SQL identifier: {name!r}")
    if STATEMENT_QUOTE in statement:
        raise ValueError(f"the statement may not contain {STATEMENT_QUOTE}, which quotes it")
    return _BLOCK.format(
        schema_comment="-- schema: read\n" if schema_comment else "",
        projection=projection,
        probe_table=probe_table,
        quote=STATEMENT_QUOTE,
        statement=statement,
    )
