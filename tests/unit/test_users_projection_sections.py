"""The users projection opens accounts' sealed details with the users' keys: an erased
user's (key destroyed) write no row, and an erasure outranks any login secret before it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event, build_envelope, encode
from azora.personal.sections import seal_section
from azora.topics import TopicNames
from consumers.projections.login_secrets import SET_SECRETS, on_credentials_set
from consumers.projections.users import INSERT_USERS, on_sealed_registration
from schemas import catalogue
from schemas.account_fields import AccountDetails
from schemas.credentials import UserCredentialsSet
from schemas.registration import UserRegisteredV3
from tests.support.key_store import memory_vault

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


class RecordingConnection:
    """Keeps every statement a handler executes, with its arguments."""

    def __init__(self) -> None:
        self.executed: list[tuple[str, tuple[Any, ...]]] = []

    async def execute(self, sql: str, *args: Any) -> str:
        self.executed.append((sql, args))
        return "OK"

    async def executemany(self, sql: str, args: Iterable[Sequence[Any]]) -> None:
        self.executed += [(sql, tuple(each)) for each in args]


def a_unit_of_work() -> tuple[UnitOfWork, RecordingConnection]:
    conn = RecordingConnection()
    connection: Any = conn
    return UnitOfWork(connection, "projections", TopicNames("t.")), conn


def event_of(payload: Any) -> Event[Any]:
    spec = catalogue.spec_for(payload)
    envelope = build_envelope(spec, payload, actor="test")
    message = encode(spec, envelope, b"k", TopicNames())
    return Event(spec, envelope, payload, message.topic, 0, 0, (), b"k", message.value)


async def test_only_users_whose_key_still_exists_get_a_row_with_their_details() -> None:
    vault = memory_vault()
    kept, erased = uuid.uuid4(), uuid.uuid4()
    for user in (kept, erased):
        await vault.create_key(user)
    ring = await vault.keyring([kept, erased])
    facts = [
        UserRegisteredV3(
            user_id=user,
            registered_at=NOW,
            personal=seal_section(ring, user, AccountDetails(email=email, display_name=name)),
        )
        for user, email, name in (
            (kept, "kept@example.org", "Kept"),
            (erased, "erased@example.org", "Erased"),
        )
    ]
    await vault.destroy(erased)
    uow, conn = a_unit_of_work()

    await on_sealed_registration(vault, [event_of(f) for f in facts], uow)

    ((sql, args),) = conn.executed
    assert sql == INSERT_USERS
    user_ids, emails, names = args[0], args[1], args[2]
    assert (user_ids, emails, names) == ([kept], ["kept@example.org"], ["Kept"])


async def test_a_batch_of_erased_users_only_writes_nothing() -> None:
    vault = memory_vault()
    user = uuid.uuid4()
    await vault.create_key(user)
    details = AccountDetails(email="gone@example.org", display_name="Gone")
    sealed = seal_section(await vault.keyring([user]), user, details)
    await vault.destroy(user)
    uow, conn = a_unit_of_work()

    fact = UserRegisteredV3(user_id=user, registered_at=NOW, personal=sealed)
    await on_sealed_registration(vault, [event_of(fact)], uow)

    assert conn.executed == []


async def test_an_erased_users_empty_value_outranks_a_newer_version_in_its_batch() -> None:
    user = uuid.uuid4()
    values = [
        UserCredentialsSet(user_id=user, version=3, sealed="c1." + "A" * 60),
        UserCredentialsSet(user_id=user, version=0, sealed=None),
    ]
    uow, conn = a_unit_of_work()

    await on_credentials_set([event_of(v) for v in reversed(values)], uow)

    ((sql, args),) = conn.executed
    assert sql == SET_SECRETS
    assert args == ([user], [0], [None])


async def test_of_one_users_values_the_newest_version_is_kept() -> None:
    user = uuid.uuid4()
    newer = UserCredentialsSet(user_id=user, version=2, sealed="c1." + "B" * 60)
    older = UserCredentialsSet(user_id=user, version=1, sealed="c1." + "A" * 60)
    uow, conn = a_unit_of_work()

    await on_credentials_set([event_of(newer), event_of(older)], uow)

    ((_, args),) = conn.executed
    assert args == ([user], [2], [newer.sealed])
