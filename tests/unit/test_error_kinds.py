"""Which errors the consume loop retries for ever and which it may dead-letter."""

from __future__ import annotations

import asyncpg
import pytest

from azora.consume.errors import PermanentError, TransientError, is_permanent, is_transient


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.InterfaceError("connection is closed"),
        asyncpg.InternalClientError("cannot switch to state 12; another operation is in progress"),
        ConnectionResetError(),
        TransientError("the model provider timed out"),
    ],
)
def test_errors_of_a_restarting_dependency_are_transient(error: Exception) -> None:
    assert is_transient(error)
    assert not is_permanent(error)


def test_a_broken_rule_is_permanent_and_a_bug_is_neither() -> None:
    assert is_permanent(PermanentError("amount must be positive"))
    assert not is_transient(PermanentError("amount must be positive"))
    assert not is_transient(KeyError("user_id"))
    assert not is_permanent(KeyError("user_id"))


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.CharacterNotInRepertoireError('invalid byte sequence for encoding "UTF8": 0x00'),
        asyncpg.UntranslatableCharacterError("unsupported Unicode escape sequence"),
        asyncpg.StringDataRightTruncationError("value too long for type character varying(100)"),
        asyncpg.NumericValueOutOfRangeError("integer out of range"),
    ],
)
def test_a_value_postgres_refuses_to_store_is_permanent(error: Exception) -> None:
    assert is_permanent(error)
    assert not is_transient(error)


def test_a_value_asyncpg_cannot_encode_is_permanent_not_a_broken_connection() -> None:
    from asyncpg.exceptions import _base

    error = _base.DataError("invalid input for query argument $1: 2**40 (value out of int32 range)")
    assert is_permanent(error)
    assert not is_transient(error)
