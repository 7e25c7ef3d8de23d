"""Postgres connections: one asyncpg pool per process, made by the composition root."""

from __future__ import annotations

import json

import asyncpg
from asyncpg.pool import PoolConnectionProxy

Pool = asyncpg.Pool
# What a handler or store function gets: a plain connection or one borrowed from a pool.
Connection = asyncpg.Connection | PoolConnectionProxy


async def _init_connection(conn: asyncpg.Connection) -> None:
    # jsonb columns come and go as Python objects, not strings.
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


class _PooledConnection(asyncpg.Connection):
    """A pooled connection released without asyncpg's reset query.

    The pool runs that query (unlock advisory locks, CLOSE ALL, UNLISTEN, RESET ALL) after
    every release: a round trip per consumed batch. Nothing here keeps session state on a
    pooled connection (LISTEN and session locks use `connect`), and asyncpg still rolls
    back a transaction left open.
    """

    def get_reset_query(self) -> str:
        return ""


# Projections name their own tables without a schema; the search_path says which set they
# write: the live read models (`read`), or a rebuild's shadow schema. Everything else
# names its schema explicitly.
READ_MODELS = "read"


async def create_pool(
    dsn: str, *, min_size: int = 1, max_size: int = 10, read_models: str = READ_MODELS
) -> Pool:
    """A pool whose connections decode jsonb and find read models in `read_models`."""
    pool: Pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        connection_class=_PooledConnection,
        command_timeout=60,
        server_settings={"search_path": f'"{read_models}", public'},
    )
    return pool


async def connect(dsn: str, *, read_models: str = READ_MODELS) -> asyncpg.Connection:
    """A single connection (for LISTEN, or advisory locks that must outlive a transaction)."""
    conn: asyncpg.Connection = await asyncpg.connect(
        dsn, server_settings={"search_path": f'"{read_models}", public'}
    )
    await _init_connection(conn)
    return conn
