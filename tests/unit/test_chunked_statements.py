"""A statement run over chunks of a batch gets exactly the plain statement's arguments, in
order, split at the chunk size, each chunk's built only when asyncpg asks for it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pytest

from azora.chunked import execute_in_chunks


class ChunkRecorder:
    """Takes `executemany`'s chunks one at a time, as asyncpg does, noting when each was built."""

    def __init__(self, built: list[int]) -> None:
        self.built = built
        self.chunks: list[tuple[Any, ...]] = []
        self.built_before_taking: list[int] = []

    async def executemany(self, sql: str, args: Iterable[Sequence[Any]]) -> None:
        assert sql == "SQL"
        for each in args:
            self.built_before_taking.append(len(self.built))
            self.chunks.append(tuple(each))


def columns_noting(built: list[int]) -> Any:
    def columns(rows: Sequence[tuple[int, str]]) -> tuple[list[int], list[str]]:
        built.append(len(rows))
        return [r[0] for r in rows], [r[1] for r in rows]

    return columns


async def test_the_chunks_joined_are_the_plain_statements_columns_in_order() -> None:
    rows = [(i, f"user-{i}") for i in range(1_003)]
    built: list[int] = []
    conn = ChunkRecorder(built)
    plain = columns_noting([])(rows)

    await execute_in_chunks(conn, "SQL", rows, columns_noting(built), chunk_rows=250)  # type: ignore[arg-type]

    assert [len(chunk[0]) for chunk in conn.chunks] == [250, 250, 250, 250, 3]
    joined = tuple([v for chunk in conn.chunks for v in chunk[i]] for i in range(2))
    assert joined == plain


async def test_each_chunk_is_built_only_when_its_turn_comes() -> None:
    built: list[int] = []
    conn = ChunkRecorder(built)

    rows = [(i, "x") for i in range(10)]
    await execute_in_chunks(conn, "SQL", rows, columns_noting(built), chunk_rows=4)  # type: ignore[arg-type]

    assert conn.built_before_taking == [1, 2, 3]


async def test_a_batch_smaller_than_a_chunk_is_one_statement() -> None:
    conn = ChunkRecorder([])

    await execute_in_chunks(conn, "SQL", [(1, "a"), (2, "b")], columns_noting([]))  # type: ignore[arg-type]

    assert conn.chunks == [([1, 2], ["a", "b"])]


async def test_no_rows_send_no_statement() -> None:
    conn = ChunkRecorder([])

    await execute_in_chunks(conn, "SQL", [], columns_noting([]))  # type: ignore[arg-type]

    assert conn.chunks == []


async def test_a_chunk_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        await execute_in_chunks(
            ChunkRecorder([]), "SQL", [(1, "a")], columns_noting([]), chunk_rows=0
        )  # type: ignore[arg-type]
