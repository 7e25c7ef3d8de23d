"""The ingress checks a login only against login secrets as new as the account's MFA state."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from azora.credential_sealing import LoginSecrets, seal_credentials
from azora.crypto import CREDENTIALS, SecretBox
from producers.ingress import credential_store
from producers.ingress.context import IngressContext
from producers.ingress.problems import Problem
from tests.support.secrets import random_secret_key

SECRET = random_secret_key()
USER = uuid.uuid4()
HASH = "$argon2id$v=19$m=65536,t=3,p=4$abcdefgh$ijklmnop"
TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def row(secrets: LoginSecrets, version: int, mfa_version: int) -> dict[str, Any]:
    box = SecretBox(SECRET).for_purpose(CREDENTIALS)
    return {
        "user_id": USER,
        "email": "ada@example.org",
        "mfa_version": mfa_version,
        "sealed_secrets": seal_credentials(box, USER, secrets),
        "secrets_version": version,
    }


class Answers:
    """A pool that answers each query with the next row of a script (the last one after)."""

    def __init__(self, *rows: dict[str, Any] | None) -> None:
        self.rows = list(rows)
        self.asked = 0

    async def fetchrow(self, sql: str, *args: Any) -> dict[str, Any] | None:
        self.asked += 1
        return self.rows.pop(0) if len(self.rows) > 1 else self.rows[0]


def context(pool: Answers) -> IngressContext:
    ctx = IngressContext.__new__(IngressContext)
    ctx.secrets = SecretBox(SECRET)
    ctx.pool = pool  # type: ignore[assignment]
    return ctx


async def test_the_secrets_are_opened_for_the_check() -> None:
    pool = Answers(row(LoginSecrets(HASH, TOTP), version=1, mfa_version=1))
    found = await credential_store.credentials_row(context(pool), "q", USER)
    assert found is not None
    assert (found["password_hash"], found["mfa_secret"]) == (HASH, TOTP)
    assert "sealed_secrets" not in found


async def test_secrets_older_than_mfa_being_turned_on_are_waited_for_not_used() -> None:
    stale = row(LoginSecrets(HASH, None), version=0, mfa_version=1)
    fresh = row(LoginSecrets(HASH, TOTP), version=1, mfa_version=1)
    pool = Answers(stale, stale, fresh)
    found = await credential_store.credentials_row(context(pool), "q", USER)
    assert found is not None
    assert found["mfa_secret"] == TOTP
    assert pool.asked == 3


async def test_secrets_that_never_catch_up_refuse_the_check_rather_than_skip_mfa(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(credential_store, "SECRETS_WAIT_S", 0.0)
    stale = row(LoginSecrets(HASH, None), version=0, mfa_version=1)
    with pytest.raises(Problem) as refused:
        await credential_store.credentials_row(context(Answers(stale)), "q", USER)
    assert refused.value.status == 503
    assert refused.value.headers == {"Retry-After": "2"}


async def test_an_account_whose_secrets_have_not_arrived_is_refused_the_same_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(credential_store, "SECRETS_WAIT_S", 0.0)
    missing = {**row(LoginSecrets(HASH, None), 0, 0), "sealed_secrets": None}
    missing["secrets_version"] = None
    with pytest.raises(Problem, match="not readable yet"):
        await credential_store.credentials_row(context(Answers(missing)), "q", USER)


async def test_no_account_is_none_at_once() -> None:
    pool = Answers(None)
    assert await credential_store.credentials_row(context(pool), "q", "x@example.org") is None
    assert pool.asked == 1


async def test_secrets_that_do_not_open_refuse_the_login_as_a_wrong_password_would() -> None:
    moved = {**row(LoginSecrets(HASH, None), 0, 0), "user_id": uuid.uuid4()}
    with pytest.raises(Problem) as refused:
        await credential_store.credentials_row(context(Answers(moved)), "q", USER)
    assert (refused.value.status, refused.value.detail) == (401, "the email or password is wrong")
