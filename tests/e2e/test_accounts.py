"""Accounts over HTTP, from POST to read model, against the stack `azora run` starts."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pyotp
import pytest

from schemas.credentials import UserMfaEnableRequested
from tests.e2e.helpers import (
    PASSWORD,
    an_email,
    bearer,
    login,
    outcome,
    register,
    until,
)
from tests.support.world import World

pytestmark = pytest.mark.e2e


async def refused_refresh(http: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    """Refresh until refused: sessions are projected asynchronously (milliseconds)."""
    return await _until(
        lambda: http.post("/v1/auth/refresh", json={"refresh_token": refresh_token}),
        lambda r: r.status_code == 401,
    )


async def test_a_visitor_registers_logs_in_and_reads_their_profile(
    http: httpx.AsyncClient,
) -> None:
    email = an_email()
    accepted = await register(http, email)
    assert accepted.status_code == 202
    assert accepted.headers["Location"] == accepted.json()["status_url"]
    assert (await outcome(http, accepted))["status"] == "succeeded"

    tokens = await login(http, email)
    assert tokens.status_code == 200
    assert tokens.json()["token_type"] == "bearer"
    me = await http.get("/v1/me", headers=bearer(tokens))
    assert me.status_code == 200
    assert me.json() == {
        "user_id": accepted.json()["user_id"],
        "email": email,
        "display_name": "Grace",
        "roles": ["student"],
        "mfa_enabled": False,
    }


async def test_the_same_email_registered_twice_is_rejected_and_one_user_exists(
    http: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    email = an_email()
    first = await register(http, email)
    assert (await outcome(http, first))["status"] == "succeeded"
    second = await register(http, email.upper())

    settled = await outcome(http, second)
    assert settled["status"] == "rejected"
    assert settled["reason"] == "email already registered"
    assert await db.fetchval("SELECT count(*) FROM read.users WHERE email = $1", email) == 1


async def test_a_retry_with_the_same_idempotency_key_is_the_same_command(
    http: httpx.AsyncClient,
) -> None:
    email = an_email()
    key = uuid.uuid4().hex
    first = await register(http, email, **{"Idempotency-Key": key})
    assert (await outcome(http, first))["status"] == "succeeded"
    again = await register(http, email, **{"Idempotency-Key": key})

    assert again.status_code == 202
    assert again.json() == first.json()
    assert (await outcome(http, again))["status"] == "succeeded", "not rejected as a duplicate"


async def test_an_idempotency_key_reused_with_another_body_is_refused(
    http: httpx.AsyncClient,
) -> None:
    key = uuid.uuid4().hex
    first = await register(http, an_email(), **{"Idempotency-Key": key})
    await outcome(http, first)
    other = await register(http, an_email(), **{"Idempotency-Key": key})
    assert other.status_code == 422
    assert other.json()["type"] == "/problems/idempotency_key_reused"


async def test_a_refresh_rotates_and_a_replayed_refresh_token_ends_the_session(
    http: httpx.AsyncClient,
) -> None:
    email = an_email()
    await outcome(http, await register(http, email))
    tokens = (await login(http, email)).json()

    rotated = await http.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert rotated.status_code == 200
    newer = rotated.json()["refresh_token"]
    assert newer != tokens["refresh_token"]

    replayed = await refused_refresh(http, tokens["refresh_token"])
    assert replayed.json()["type"] == "/problems/refresh_token_reused"
    revoked = await refused_refresh(http, newer)
    assert revoked.json()["type"] == "/problems/session_revoked"


async def test_after_logout_the_refresh_token_stops_working(http: httpx.AsyncClient) -> None:
    email = an_email()
    await outcome(http, await register(http, email))
    refresh_token = (await login(http, email)).json()["refresh_token"]

    assert (
        await http.post("/v1/auth/logout", json={"refresh_token": refresh_token})
    ).status_code == 204
    after = await refused_refresh(http, refresh_token)
    assert after.json()["type"] == "/problems/session_revoked"


async def test_with_mfa_on_login_needs_a_valid_code(http: httpx.AsyncClient) -> None:
    email = an_email()
    await outcome(http, await register(http, email))
    auth = bearer(await login(http, email))
    setup = await http.post("/v1/auth/mfa/setup", headers=auth)
    assert setup.status_code == 200
    secret = setup.json()["secret"]
    assert setup.json()["otpauth_uri"].startswith("otpauth://totp/")

    wrong = await http.post("/v1/auth/mfa/verify", json={"code": "000000"}, headers=auth)
    if pyotp.TOTP(secret).verify("000000", valid_window=1):  # one chance in ~300,000
        pytest.skip("the random secret happens to accept 000000")
    assert (await outcome(http, wrong))["status"] == "rejected"

    code = pyotp.TOTP(secret).now()
    verified = await http.post("/v1/auth/mfa/verify", json={"code": code}, headers=auth)
    assert (await outcome(http, verified))["status"] == "succeeded"

    without = await _until(lambda: login(http, email), lambda r: r.status_code == 401)
    assert without.json()["type"] == "/problems/mfa_required"
    assert (
        await login(http, email, totp_code="123456" if code != "123456" else "654321")
    ).status_code == 401
    with_code = await login(http, email, totp_code=pyotp.TOTP(secret).now())
    assert with_code.status_code == 200
    me = await http.get("/v1/me", headers=bearer(with_code))
    assert me.json()["mfa_enabled"] is True


async def test_bad_input_gets_a_problem_document_naming_the_field(
    http: httpx.AsyncClient,
) -> None:
    answer = await http.post(
        "/v1/auth/register", json={"email": "not-an-email", "password": "x", "display_name": ""}
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == 422
    assert {tuple(e["loc"]) for e in problem["errors"]} >= {("body", "email")}


async def test_wrong_credentials_and_missing_tokens_are_401(http: httpx.AsyncClient) -> None:
    assert (await login(http, an_email())).status_code == 401
    assert (await http.get("/v1/me")).status_code == 401
    forged = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"}
    assert (await http.get("/v1/me", headers=forged)).status_code == 401


async def test_an_unknown_command_is_404(http: httpx.AsyncClient) -> None:
    answer = await http.get(f"/v1/commands/{uuid.uuid4()}")
    assert answer.status_code == 404
    assert answer.json()["type"] == "/problems/unknown_command"


async def test_the_service_documents_itself(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).status_code == 200
    openapi = (await http.get("/openapi.json")).json()
    assert "/v1/auth/register" in openapi["paths"]
    assert (await http.get("/docs")).status_code == 200
    asyncapi = (await http.get("/asyncapi")).json()
    assert asyncapi["asyncapi"].startswith("3.")
    assert any("user.registered" in name for name in asyncapi["channels"])
    metrics = await http.get("/metrics")
    assert metrics.status_code == 200


async def _until(call: Any, done: Any, attempts: int = 50) -> httpx.Response:
    """Repeat `call` until `done(answer)`: sessions are projected asynchronously."""
    import asyncio

    answer: httpx.Response = await call()
    for _ in range(attempts):
        if done(answer):
            return answer
        await asyncio.sleep(0.1)
        answer = await call()
    return answer


async def test_racing_registrations_of_one_email_create_exactly_one_account(
    http: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    import asyncio

    email = an_email()
    accepted = await asyncio.gather(*(register(http, email) for _ in range(8)))
    outcomes = await asyncio.gather(*(outcome(http, a) for a in accepted))

    statuses = sorted(o["status"] for o in outcomes)
    assert statuses == ["rejected"] * 7 + ["succeeded"]
    assert await db.fetchval("SELECT count(*) FROM read.users WHERE email = $1", email) == 1


# MFA: codes work once, changing MFA needs more than an access token, recovery codes.


async def an_account_with_mfa(
    http: httpx.AsyncClient,
) -> tuple[str, pyotp.TOTP, list[str], dict[str, str]]:
    """A new account with MFA on: its email, authenticator, recovery codes and auth."""
    email = an_email()
    await outcome(http, await register(http, email))
    auth = bearer(await login(http, email))
    totp = pyotp.TOTP((await http.post("/v1/auth/mfa/setup", headers=auth)).json()["secret"])

    # Setup and verify travel on two topics: a verify read before its setup is refused
    # ("no MFA setup in progress"), which a user typing the code never meets; ask again.
    for _ in range(50):
        verified = await http.post("/v1/auth/mfa/verify", json={"code": totp.now()}, headers=auth)
        assert verified.status_code == 202, verified.text
        settled = await outcome(http, verified)
        if settled["status"] == "succeeded" or "no MFA setup" not in (settled["reason"] or ""):
            break
        await asyncio.sleep(0.1)
    assert settled["status"] == "succeeded", settled
    codes: list[str] = verified.json()["recovery_codes"]
    return email, totp, codes, auth


def the_next_code(totp: pyotp.TOTP) -> str:
    """The code of the next time step: valid now too (one step either side is accepted)."""
    return totp.at(time.time() + totp.interval)


async def test_a_totp_code_that_logged_in_once_is_refused_a_second_time(
    http: httpx.AsyncClient,
) -> None:
    email, totp, _, _ = await an_account_with_mfa(http)
    code = totp.now()
    first = await login(http, email, totp_code=code)
    assert first.status_code == 200, first.text
    replayed = await login(http, email, totp_code=code)
    assert replayed.status_code == 401
    assert replayed.json()["type"] == "/problems/mfa_invalid"
    assert (await login(http, email, totp_code=the_next_code(totp))).status_code == 200


async def test_logins_racing_with_one_totp_code_let_exactly_one_in(
    http: httpx.AsyncClient,
) -> None:
    email, totp, _, _ = await an_account_with_mfa(http)
    code = totp.now()
    answers = await asyncio.gather(*(login(http, email, totp_code=code) for _ in range(4)))
    assert sorted(a.status_code for a in answers) == [200, 401, 401, 401]


async def test_a_used_time_step_is_recorded_where_every_replica_reads_it(
    http: httpx.AsyncClient, db: asyncpg.Pool
) -> None:
    email, totp, _, _ = await an_account_with_mfa(http)
    assert (await login(http, email, totp_code=totp.now())).status_code == 200
    step = totp.timecode(datetime.now(UTC))

    async def recorded() -> bool:
        last = await db.fetchval(
            "SELECT last_totp_step FROM read.credentials WHERE email = $1", email
        )
        return bool(last is not None and last >= step - 1)

    assert await until(recorded)


async def test_changing_mfa_with_only_an_access_token_is_refused(
    http: httpx.AsyncClient,
) -> None:
    email, old, _, auth = await an_account_with_mfa(http)
    refused = await http.post("/v1/auth/mfa/setup", headers=auth)
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/reauthentication_required"
    wrong = await http.post("/v1/auth/mfa/setup", headers=auth, json={"password": "not it at all"})
    assert wrong.status_code == 403
    assert wrong.json()["type"] == "/problems/reauthentication_failed"
    takeover = await http.post("/v1/auth/mfa/verify", headers=auth, json={"code": old.now()})
    assert takeover.status_code == 403
    assert takeover.json()["type"] == "/problems/reauthentication_required"

    # The owner, with the password, replaces the authenticator.
    setup = await http.post("/v1/auth/mfa/setup", headers=auth, json={"password": PASSWORD})
    assert setup.status_code == 200, setup.text
    new = pyotp.TOTP(setup.json()["secret"])
    replaced = await http.post(
        "/v1/auth/mfa/verify", headers=auth, json={"code": new.now(), "password": PASSWORD}
    )
    assert (await outcome(http, replaced))["status"] == "succeeded"
    with_new = await _until(
        lambda: login(http, email, totp_code=new.now()), lambda r: r.status_code == 200
    )
    assert with_new.status_code == 200


async def test_identity_refuses_to_replace_an_authenticator_without_re_authentication(
    http: httpx.AsyncClient, stack_world: World
) -> None:
    # As if the ingress's read model lagged a just-enabled MFA: identity itself refuses.
    _, _, _, auth = await an_account_with_mfa(http)
    me = (await http.get("/v1/me", headers=auth)).json()
    command = UserMfaEnableRequested(
        user_id=uuid.UUID(me["user_id"]), code="123456", submitted_at=datetime.now(UTC)
    )
    (envelope,) = await stack_world.publish([command], actor=me["user_id"])
    answer = await _until(
        lambda: http.get(f"/v1/commands/{envelope.event_id}", params={"wait": 10}),
        lambda r: r.status_code == 200 and r.json()["status"] != "pending",
    )
    assert answer.json()["status"] == "rejected"
    assert answer.json()["reason"].startswith("MFA is on")


async def test_a_recovery_code_logs_in_once_in_place_of_a_totp_code(
    http: httpx.AsyncClient,
) -> None:
    email, _, codes, _ = await an_account_with_mfa(http)
    assert len(codes) == len(set(codes)) == 10
    first = await login(http, email, recovery_code=codes[0])
    assert first.status_code == 200, first.text
    again = await login(http, email, recovery_code=codes[0])
    assert again.status_code == 401
    assert again.json()["type"] == "/problems/mfa_invalid"
    assert (await login(http, email, recovery_code=codes[1].lower())).status_code == 200


async def test_mfa_is_turned_off_only_with_the_password_and_a_current_code(
    http: httpx.AsyncClient,
) -> None:
    email, totp, codes, auth = await an_account_with_mfa(http)
    disable = "/v1/auth/mfa/disable"
    without_code = await http.post(
        "/v1/auth/mfa/disable", headers=auth, json={"password": PASSWORD}
    )
    assert without_code.status_code == 422
    wrong_password = await http.post(
        "/v1/auth/mfa/disable",
        headers=auth,
        json={"password": "not it at all", "totp_code": totp.now()},
    )
    assert wrong_password.status_code == 403
    with_a_recovery_code = {"password": PASSWORD, "recovery_code": codes[0]}
    disabled = await http.post(disable, headers=auth, json=with_a_recovery_code)
    assert disabled.status_code == 202, disabled.text
    assert (await outcome(http, disabled))["status"] == "succeeded"
    assert (await login(http, email)).status_code == 200
    assert (await http.get("/v1/me", headers=auth)).json()["mfa_enabled"] is False
    again = await http.post(
        disable, headers=auth, json={"password": PASSWORD, "totp_code": totp.now()}
    )
    assert again.status_code == 409
