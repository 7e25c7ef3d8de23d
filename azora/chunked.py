"""One set-based statement over a large batch, sent as chunks Postgres starts on at once.

A projection writes a batch with one statement that unnests column arrays. Sent as one
`execute`, asyncpg encodes every array before the first byte goes out: Postgres waits
for all of the encoding, and the encoding waits for nothing, on the path every batch
takes. Sent as `executemany` over chunks of the same columns, in the same transaction,
asyncpg writes the chunks' bind messages a few at a time (four 32 KiB buffers) and
yields between: Postgres works on the first chunks while the next are built and
encoded, and the event loop runs other tasks (the next batch's fetch) in between.

Measured in `bench/profiled.md` (eleventh session): the users rebuild's ratio to the raw
upsert read 0.606-0.733 before and 0.643-0.915 after, six runs each, interleaved.

For statements whose effect on a row does not depend on the batch's other rows except
through conflicts (`ON CONFLICT DO NOTHING` skips a repeat in the same statement as in a
later one): each chunk runs in order in the caller's transaction, and a later chunk sees
what an earlier one wrote, where one statement would not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from azora.db import Connection

Row = TypeVar("Row")

# asyncpg fills each 32 KiB buffer with whole chunks and writes four buffers at once, so
# Postgres starts once some 128 KiB are encoded, whatever the chunk size below that; 250
# rows of about a hundred bytes keep the chunks well inside a buffer and the statements
# few. 500 and the whole batch as one chunk read lower, in one run each (`bench/profiled.md`).
CHUNK_ROWS = 250


async def execute_in_chunks(
    conn: Connection,
    sql: str,
    rows: Sequence[Row],
    columns: Callable[[Sequence[Row]], Sequence[Any]],
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> None:
    """Run `sql` with the arguments `columns` builds, for every `chunk_rows` rows of
    `rows` in order (each chunk's columns built only when its turn comes)."""
    if not rows:
        return
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, not {chunk_rows}")
    chunks = (columns(rows[i : i + chunk_rows]) for i in range(0, len(rows), chunk_rows))
    await conn.executemany(sql, chunks)
