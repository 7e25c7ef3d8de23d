"""How the consume loop tells an error that will pass from one that never will."""

from __future__ import annotations

import asyncpg
from asyncpg.exceptions import _base as asyncpg_client


class PermanentError(Exception):
    """Retrying cannot help (a broken business rule, an impossible request): dead-letter it."""


class TransientError(Exception):
    """Retrying later will help (a dependency is down or slow): back off, never skip."""


_TRANSIENT_PG = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    # A connection broken in the middle of an exchange (Postgres restarting) can say this.
    asyncpg.InternalClientError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    # A table swapped under a prepared statement (a projection rebuild): re-prepared on retry.
    asyncpg.InvalidCachedStatementError,
)


# A value Postgres refuses to store: SQLSTATE class 22 ("data exception": a NUL or a
# character the encoding lacks in text, a string too long for its column, a number out of
# range, an invalid date), or one asyncpg cannot even encode as its parameter. The event's
# data is at fault, never the moment: no retry can make it fit.
_PERMANENT_PG = (
    asyncpg.DataError,
    # asyncpg's own (client-side) DataError is also an InterfaceError, which is transient.
    asyncpg_client.DataError,
)


def is_transient(exc: BaseException) -> bool:
    """True for errors of a dependency rather than of the message."""
    return isinstance(
        exc, (TransientError, ConnectionError, OSError, TimeoutError, *_TRANSIENT_PG)
    ) and not isinstance(exc, _PERMANENT_PG)


def is_permanent(exc: BaseException) -> bool:
    """True for errors of the message itself."""
    return isinstance(exc, (PermanentError, *_PERMANENT_PG))
