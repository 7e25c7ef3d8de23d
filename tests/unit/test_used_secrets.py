"""The secrets check of the e2e run's logs finds what it looks for: a value the run used,
an email address, a token, and only those."""

from __future__ import annotations

import httpx

from tests.support.used_secrets import UsedSecrets


def test_the_check_finds_a_secret_an_email_and_a_token_wherever_they_are() -> None:
    used = UsedSecrets()
    used.add("correct horse battery staple", "short")

    found = used.found_in(
        [
            '{"message": "login by someone"}',
            '{"message": "password correct horse battery staple refused"}',
            '{"message": "user ada@example.org"}',
            '{"message": "token eyJhbGciOi.eyJzdWIiOi.c2ln"}',
            '{"message": "offset short"}',
        ]
    )

    assert found == [(2, "a secret the run used"), (3, "an email address"), (4, "a token")]


async def test_the_secrets_come_from_requests_and_answers_of_any_depth() -> None:
    used = UsedSecrets()
    request = httpx.Request(
        "POST",
        "http://azora.invalid/v1/auth/login",
        json={"email": "grace@example.org", "password": "a long passphrase", "code": "123456"},
        headers={"Authorization": "Bearer the-access-token-value"},
    )
    response = httpx.Response(
        200,
        json={"tokens": {"refresh_token": "the-refresh-token"}, "recovery_codes": ["c0de-0001"]},
    )

    await used.hooks()["request"][0](request)
    await used.hooks()["response"][0](response)

    assert used.values == {
        "grace@example.org",
        "a long passphrase",
        "the-access-token-value",
        "the-refresh-token",
        "c0de-0001",
    }
    assert used.of_kinds("refresh token", "password") == {
        "the-refresh-token": "refresh token",
        "a long passphrase": "password",
    }
    assert used.kinds["the-access-token-value"] == "access token"
