"""Tokens, passwords and sealed secrets."""

from __future__ import annotations

import asyncio
import time
import uuid

import jwt
import pytest
from argon2 import PasswordHasher

from azora.crypto import SecretBox
from producers.ingress.passwords import Passwords
from producers.ingress.tokens import InvalidToken, TokenService
from schemas.password_policy import policy_violations
from tests.support.secrets import random_secret_key

SECRET = random_secret_key()


def tokens(access_ttl_s: int = 900) -> TokenService:
    return TokenService(SECRET, access_ttl_s, 3600)


def test_an_access_token_names_the_user_and_roles() -> None:
    user = uuid.uuid4()
    pair = tokens().issue(user, ("student",), uuid.uuid4(), 0)
    claims = tokens().access(pair.access_token)
    assert claims.user_id == user
    assert claims.roles == ("student",)


def test_a_refresh_token_is_not_an_access_token_and_vice_versa() -> None:
    pair = tokens().issue(uuid.uuid4(), ("student",), uuid.uuid4(), 3)
    with pytest.raises(InvalidToken):
        tokens().access(pair.refresh_token)
    with pytest.raises(InvalidToken):
        tokens().refresh(pair.access_token)
    assert tokens().refresh(pair.refresh_token).generation == 3


def test_a_token_signed_with_another_key_is_refused() -> None:
    forged = TokenService("y" * 40, 900, 3600).issue(uuid.uuid4(), ("admin",), uuid.uuid4(), 0)
    with pytest.raises(InvalidToken, match="invalid"):
        tokens().access(forged.access_token)


def test_an_unsigned_token_is_refused() -> None:
    unsigned = jwt.encode({"sub": str(uuid.uuid4()), "aud": "azora:access"}, None, "none")
    with pytest.raises(InvalidToken):
        tokens().access(unsigned)


def test_an_expired_token_is_refused() -> None:
    pair = tokens(access_ttl_s=-10).issue(uuid.uuid4(), ("student",), uuid.uuid4(), 0)
    with pytest.raises(InvalidToken, match="expired"):
        tokens().access(pair.access_token)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def test_a_verified_access_token_is_remembered_until_it_expires_and_not_after() -> None:
    clock = Clock()
    service = TokenService(SECRET, 900, 3600, clock=clock)
    token = service.issue(uuid.uuid4(), ("student",), uuid.uuid4(), 0).access_token
    first = service.access(token)
    assert service.access(token) is first  # the second look is the remembered claims
    clock.now += 901
    with pytest.raises(InvalidToken, match="expired"):
        service.access(token)


def test_a_refused_token_is_never_remembered() -> None:
    service = tokens()
    forged = TokenService("y" * 40, 900, 3600).issue(uuid.uuid4(), ("admin",), uuid.uuid4(), 0)
    for _ in range(2):
        with pytest.raises(InvalidToken):
            service.access(forged.access_token)


def test_the_remembered_tokens_are_bounded() -> None:
    service = TokenService(SECRET, 900, 3600, verified_cache_size=2)
    pairs = [service.issue(uuid.uuid4(), (), uuid.uuid4(), 0) for _ in range(3)]
    for pair in pairs:
        service.access(pair.access_token)
    assert len(service._verified) == 2
    assert pairs[0].access_token not in service._verified


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short1!", "at least 10"),
        ("aaaaaaaaaaaaaa", "4 different"),
        ("ada.lovelace-2026", "email name"),
        ("Password2026!", "commonly used"),
        ("qwerty123456", "commonly used"),
        ("1234567890", "commonly used"),
        ("poiuytrewq", "commonly used"),
        ("iloveyou!!", "commonly used"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, problem: str) -> None:
    assert any(problem in p for p in policy_violations(password, "ada.lovelace@example.org"))


def test_a_good_password_passes_the_policy() -> None:
    assert policy_violations("correct horse battery staple", "ada@example.org") == []
    assert policy_violations("as9182736450", "ada@example.org") == []  # not a keyboard run


def test_a_hashed_password_verifies_and_a_wrong_one_does_not() -> None:
    passwords = Passwords(PasswordHasher(time_cost=1, memory_cost=8192))

    async def check() -> tuple[bool, bool, bool]:
        stored = await passwords.hash("correct horse battery staple")
        return (
            await passwords.verify(stored, "correct horse battery staple"),
            await passwords.verify(stored, "wrong horse battery staple"),
            await passwords.verify(None, "correct horse battery staple"),
        )

    assert asyncio.run(check()) == (True, False, False)


def test_a_sealed_secret_opens_only_with_the_same_key() -> None:
    sealed = SecretBox(SECRET).seal("JBSWY3DPEHPK3PXP")
    assert SecretBox(SECRET).open(sealed) == "JBSWY3DPEHPK3PXP"
    with pytest.raises(Exception):  # noqa: B017, PT011 - cryptography's InvalidTag
        SecretBox("z" * 40).open(sealed)


def test_no_more_hashes_run_at_once_than_the_passwords_allow() -> None:
    running: list[int] = []
    most = 0

    class Watched(PasswordHasher):
        def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
            nonlocal most
            running.append(1)
            most = max(most, len(running))
            try:
                return super().hash(password, salt=salt)
            finally:
                running.pop()

    passwords = Passwords(Watched(time_cost=1, memory_cost=8192), concurrent=2)

    async def many_logins() -> list[bool]:
        return await asyncio.gather(*(passwords.verify(None, f"guess {n}") for n in range(8)))

    assert asyncio.run(many_logins()) == [False] * 8
    assert most <= 2


def test_an_unknown_account_costs_one_hash_like_a_known_one() -> None:
    hashed: list[str] = []

    class Counting(PasswordHasher):
        def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
            hashed.append(str(password))
            return super().hash(password, salt=salt)

    passwords = Passwords(Counting(time_cost=1, memory_cost=8192))

    assert hashed == []  # nothing computed at start
    assert asyncio.run(passwords.verify(None, "a guess")) is False
    assert hashed == ["a guess"]
