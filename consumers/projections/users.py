"""The users projection: `read.users` (profiles), `read.credentials` (what login checks
besides the password hash and TOTP secret), `read.credential_secrets` (those two, sealed
by identity for the ingress alone) and `read.oidc_identities` (which account each provider
identity signs in).

Accounts' emails, names and provider subjects arrive sealed with each user's key: a batch
opens them with one key ring, and a user whose key is gone (erased) gets no row, so a
rebuild after an erasure writes none of their details.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import NamedTuple, Protocol

from azora.chunked import execute_in_chunks
from azora.consume.service import Service, service, subscribe
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from azora.personal.sections import open_section
from azora.personal.vault import Vault
from consumers.projections.login_secrets import on_credentials_set
from consumers.projections.users_mfa import on_mfa_code_used, on_mfa_disabled, on_mfa_enabled
from schemas import catalogue as topics
from schemas.account_fields import AccountDetails
from schemas.erasure import UserErased
from schemas.learning import UserRoleGranted
from schemas.oidc import (
    ProviderSubject,
    UserOidcSignInAccepted,
    UserOidcSignInAcceptedV2,
    UserRegisteredWithProvider,
    UserRegisteredWithProviderV2,
)
from schemas.registration import UserRegistered, UserRegisteredV2, UserRegisteredV3

# Profiles and credentials in one statement (run over chunks of the batch, see
# `azora.chunked`): the ids and emails both tables take are sent (and encoded) once.
# (No password hash: identity alone keeps those; `credentials` holds what login checks
# besides the password.)
INSERT_USERS = """
WITH t AS (
    SELECT * FROM unnest(
        $1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]
    ) AS t(user_id, email, display_name, roles, registered_at)
), kept AS (
    -- A user erased already (their erasure applied first: the topics are not ordered)
    -- is never put back.
    SELECT * FROM t WHERE NOT EXISTS (SELECT 1 FROM erased_users e WHERE e.user_id = t.user_id)
), profiles AS (
    INSERT INTO users (user_id, email, display_name, roles, registered_at)
    SELECT user_id, email, display_name, string_to_array(roles, ','), registered_at FROM kept
    ON CONFLICT DO NOTHING
)
INSERT INTO credentials (user_id, email)
SELECT user_id, email FROM kept
ON CONFLICT DO NOTHING
"""

# Forget erased users: their profile, credentials and provider links go; their id is kept
# (a pseudonymous uuid, nothing else) so a registration replayed later is not put back.
ERASE = """
WITH t AS (SELECT * FROM unnest($1::uuid[], $2::timestamptz[]) AS t(user_id, erased_at)),
remembered AS (
    INSERT INTO erased_users (user_id, erased_at) SELECT * FROM t ON CONFLICT DO NOTHING
), profiles AS (
    DELETE FROM users WHERE user_id IN (SELECT user_id FROM t)
), links AS (
    DELETE FROM oidc_identities WHERE user_id IN (SELECT user_id FROM t)
), secrets AS (
    DELETE FROM credential_secrets WHERE user_id IN (SELECT user_id FROM t)
)
DELETE FROM credentials WHERE user_id IN (SELECT user_id FROM t)
"""

# Which account each provider identity signs in (the ingress checks a re-authentication
# with a provider against it). A link is never moved, so inserting if absent is enough.
LINK_IDENTITIES = """
INSERT INTO oidc_identities (issuer, subject, user_id, provider, linked_at)
SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::timestamptz[])
ON CONFLICT DO NOTHING
"""

GRANT_ROLES = """
UPDATE users u
SET roles = ARRAY(SELECT DISTINCT r FROM unnest(u.roles || t.roles) AS r ORDER BY r)
FROM (SELECT user_id, array_agg(role) AS roles
      FROM unnest($1::uuid[], $2::text[]) AS g(user_id, role) GROUP BY user_id) AS t
WHERE u.user_id = t.user_id
"""


async def on_role_granted(events: Sequence[Event[UserRoleGranted]], uow: UnitOfWork) -> None:
    """Add each granted role to the user's roles (a set: granting twice changes nothing)."""
    grants = [e.payload for e in events]
    await uow.conn.execute(GRANT_ROLES, [g.user_id for g in grants], [g.role for g in grants])


class UserRow(Protocol):
    """What a row of `users` and `credentials` is made of: a registration fact in clear
    has it all, so its payload is the row as it is (no copy per event)."""

    @property
    def user_id(self) -> uuid.UUID: ...
    @property
    def email(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def roles(self) -> tuple[str, ...]: ...
    @property
    def registered_at(self) -> datetime: ...


class NewUser(NamedTuple):
    """A row opened from a sealed registration fact."""

    user_id: uuid.UUID
    email: str
    display_name: str
    roles: tuple[str, ...]
    registered_at: datetime


async def insert_users(uow: UnitOfWork, users: Sequence[UserRow]) -> None:
    """Insert the profile and credentials row of each new user (never an erased one)."""
    await execute_in_chunks(uow.conn, INSERT_USERS, users, user_columns)


def user_columns(users: Sequence[UserRow]) -> tuple[list[object], ...]:
    """`INSERT_USERS`'s arguments for `users`: one array per column."""
    return (
        [u.user_id for u in users],
        [u.email for u in users],
        [u.display_name for u in users],
        [",".join(u.roles) for u in users],
        [u.registered_at for u in users],
    )


async def on_user_registered(
    events: Sequence[Event[UserRegistered | UserRegisteredV2 | UserRegisteredWithProvider]],
    uow: UnitOfWork,
) -> None:
    """Insert the profile and credentials row of each new user from a fact of an earlier
    release, details in clear (with a password, through a provider, or from the legacy
    topic, whose hash is ignored)."""
    await insert_users(uow, [event.payload for event in events])


async def on_sealed_registration(
    vault: Vault,
    events: Sequence[Event[UserRegisteredV3 | UserRegisteredWithProviderV2]],
    uow: UnitOfWork,
) -> None:
    """Insert the profile and credentials row of each new user whose details open; an
    erased user's do not (their key is gone), and they get no row."""
    users = [event.payload for event in events]
    ring = await vault.keyring({u.user_id for u in users})
    rows = []
    for user in users:
        details = open_section(ring, user.user_id, user.personal, AccountDetails)
        if details is not None:
            rows.append(
                NewUser(
                    user.user_id,
                    details.email,
                    details.display_name,
                    user.roles,
                    user.registered_at,
                )
            )
    await insert_users(uow, rows)


async def link_identities(
    uow: UnitOfWork,
    accepted: Sequence[UserOidcSignInAccepted | UserOidcSignInAcceptedV2],
    subjects: Sequence[str],
) -> None:
    """Remember which account each provider identity (issuer, subject) signs in."""
    if not accepted:
        return
    await uow.conn.execute(
        LINK_IDENTITIES,
        [a.issuer for a in accepted],
        list(subjects),
        [a.user_id for a in accepted],
        [a.provider for a in accepted],
        [a.accepted_at for a in accepted],
    )


async def on_sign_in_accepted(
    events: Sequence[Event[UserOidcSignInAccepted]], uow: UnitOfWork
) -> None:
    """Remember which account each provider identity signs in (legacy fact: the subject in
    clear)."""
    accepted = [event.payload for event in events]
    await link_identities(uow, accepted, [a.subject for a in accepted])


async def on_sealed_sign_in_accepted(
    vault: Vault, events: Sequence[Event[UserOidcSignInAcceptedV2]], uow: UnitOfWork
) -> None:
    """Remember which account each provider identity signs in, where its subject opens (an
    erased user's does not: no link is put back)."""
    accepted = [event.payload for event in events]
    ring = await vault.keyring({a.user_id for a in accepted})
    kept, subjects = [], []
    for fact in accepted:
        opened = open_section(ring, fact.user_id, fact.personal, ProviderSubject)
        if opened is not None:
            kept.append(fact)
            subjects.append(opened.subject)
    await link_identities(uow, kept, subjects)


async def on_user_erased(events: Sequence[Event[UserErased]], uow: UnitOfWork) -> None:
    """Drop the erased users' rows, and remember their ids so nothing puts them back."""
    erased = [event.payload for event in events]
    await uow.conn.execute(ERASE, [e.user_id for e in erased], [e.erased_at for e in erased])


def make_users(vault: Vault) -> Service:
    """The users projection, opening personal sections with keys from `vault`."""
    # A registration (with a password or a provider) and a provider link only insert rows
    # that do not exist yet; a used code only raises a step or strikes a code; login
    # secrets only move to a newer version. MFA changes state, so its ids stay in the inbox
    # (and its versions keep a late enable from undoing a later disable).
    sealed_registration = partial(on_sealed_registration, vault)
    return service(
        "users",
        subscribe(topics.USER_REGISTERED, on_user_registered, replay_safe=True),
        subscribe(topics.USER_REGISTERED_V2, on_user_registered, replay_safe=True),
        subscribe(topics.USER_REGISTERED_V3, sealed_registration, replay_safe=True),
        subscribe(topics.USER_MFA_ENABLED, on_mfa_enabled),
        subscribe(topics.USER_MFA_ENABLED_V2, on_mfa_enabled),
        subscribe(topics.USER_MFA_DISABLED, on_mfa_disabled),
        subscribe(topics.USER_MFA_CODE_USED, on_mfa_code_used, replay_safe=True),
        subscribe(topics.USER_ROLE_GRANTED, on_role_granted, replay_safe=True),
        subscribe(topics.USER_REGISTERED_WITH_PROVIDER, on_user_registered, replay_safe=True),
        subscribe(topics.USER_REGISTERED_WITH_PROVIDER_V2, sealed_registration, replay_safe=True),
        subscribe(topics.USER_OIDC_SIGN_IN_ACCEPTED, on_sign_in_accepted, replay_safe=True),
        subscribe(
            topics.USER_OIDC_SIGN_IN_ACCEPTED_V2,
            partial(on_sealed_sign_in_accepted, vault),
            replay_safe=True,
        ),
        subscribe(topics.USER_CREDENTIALS_SET, on_credentials_set, replay_safe=True),
        subscribe(topics.USER_ERASED, on_user_erased, replay_safe=True),
        tables=("users", "credentials", "credential_secrets", "oidc_identities", "erased_users"),
    )
