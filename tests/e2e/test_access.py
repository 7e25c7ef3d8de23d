"""Access control, tried the way an attacker would, against the stack `azora run` starts.

The rules (docs/security.md): every endpoint but the public ones needs a valid access
token; a user reads and changes only their own wallet, payments, enrolments, tutor questions
and learning paths, and someone else's is answered exactly like one that does not exist
(404, never 403, so ids cannot be probed); only instructors publish courses and only admins
manage dead letters (403); refresh tokens rotate, a replayed one ends the session, logout
ends it; failed logins lock the account and the client address for a while.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import jwt
import pytest

from producers.ingress.tokens import ACCESS_AUDIENCE, ISSUER, TokenService
from tests.e2e.helpers import (
    PASSWORD,
    a_course,
    a_top_up,
    a_user,
    an_email,
    an_instructor,
    login,
    outcome,
    register,
    top_up,
    until,
)
from tests.support.world import World

pytestmark = pytest.mark.e2e

# What anyone may call without a token, and why:
PUBLIC = {
    ("GET", "/healthz"),  # liveness
    ("GET", "/readyz"),  # readiness (names dependencies, no data)
    ("GET", "/metrics"),  # Prometheus scrapes it; keep the port off the internet
    ("GET", "/asyncapi"),  # the event contract
    ("POST", "/v1/auth/register"),
    ("POST", "/v1/auth/login"),  # rate-limited and locked out on repeated failures
    ("POST", "/v1/auth/refresh"),  # the refresh token is the credential
    ("POST", "/v1/auth/logout"),  # the refresh token is the credential
    ("POST", "/v1/webhooks/stripe"),  # Stripe's signature is the credential
    ("GET", "/v1/courses"),  # the public catalogue
    ("GET", "/v1/courses/{course_id}"),
    # A command id is unguessable (random, or an HMAC of the caller's Idempotency-Key) and
    # is the capability to read its outcome: registration must be readable without a token.
    ("GET", "/v1/commands/{command_id}"),
    # Sign-in with a provider: a browser arrives with no Azora token yet. The flow's sealed
    # cookie and state, the provider's code, and then Azora's one-time code are the
    # credentials; linking and re-authentication (tickets) need a token.
    ("GET", "/v1/auth/oidc/providers"),
    ("GET", "/v1/auth/oidc/{provider}/start"),
    ("GET", "/v1/auth/oidc/{provider}/callback"),
    ("POST", "/v1/auth/oidc/token"),
}
# FastAPI's own pages, outside the OpenAPI document: the document and its viewers.
DOC_PAGES = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


async def operations(http: httpx.AsyncClient) -> dict[tuple[str, str], dict[str, Any]]:
    """Every operation the ingress documents, by (method, path template)."""
    paths = (await http.get("/openapi.json")).json()["paths"]
    return {
        (method.upper(), path): operation
        for path, methods in paths.items()
        for method, operation in methods.items()
    }


async def call(
    http: httpx.AsyncClient, method: str, template: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    """The operation with every path parameter an unknown id, and an empty JSON body."""
    path = template
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + str(uuid.uuid4()) + path[end + 1 :]
    body: dict[str, Any] | None = {} if method in ("POST", "PUT", "PATCH") else None
    return await http.request(method, path, headers=headers, json=body)


def forged_payload(token: str, **claims: Any) -> str:
    """`token` with claims changed and the original signature kept."""
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(claims)
    encoded = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{header}.{encoded}.{signature}"


async def bad_credentials(http: httpx.AsyncClient, stack_world: World) -> dict[str, dict[str, str]]:
    """Authorization headers an attacker might try, by name; each must get a 401."""
    user_id, auth = await a_user(http)
    real_access = auth["Authorization"].removeprefix("Bearer ")
    email = an_email()
    await outcome(http, await register(http, email))
    real_refresh = (await login(http, email)).json()["refresh_token"]
    secret = stack_world.settings.required_secret("secret_key")
    expired = TokenService(secret, -60, 3600).issue(user_id, ("student",), uuid.uuid4(), 0)
    wrong_key = TokenService("an attacker's own key, long enough: 0123456789", 900, 3600).issue(
        user_id, ("admin", "instructor"), uuid.uuid4(), 0
    )
    unsigned = jwt.encode(
        {
            "sub": str(user_id),
            "roles": ["admin"],
            "aud": ACCESS_AUDIENCE,
            "iss": ISSUER,
            "iat": 1_700_000_000,
            "exp": 4_000_000_000,
        },
        "",  # no key: alg none signs nothing
        algorithm="none",
    )
    tokens = {
        "no token": None,
        "expired": expired.access_token,
        "signed with another key": wrong_key.access_token,
        "alg none": unsigned,
        "payload tampered (roles)": forged_payload(real_access, roles=["admin", "instructor"]),
        "payload tampered (sub)": forged_payload(real_access, sub=str(uuid.uuid4())),
        "a refresh token": real_refresh,
        "garbage": "not-a-jwt",
    }
    headers = {
        name: ({"Authorization": f"Bearer {token}"} if token else {})
        for name, token in tokens.items()
    }
    headers["another scheme"] = {"Authorization": f"Basic {real_access}"}
    return headers


async def test_the_public_endpoints_are_exactly_the_intended_ones(
    http: httpx.AsyncClient,
) -> None:
    documented = await operations(http)
    unsecured = {key for key, operation in documented.items() if not operation.get("security")}
    assert unsecured == PUBLIC
    for method, template in sorted(PUBLIC):
        answer = await call(http, method, template)
        assert answer.status_code != 401, (method, template, answer.text)
    for page in DOC_PAGES:
        assert (await http.get(page)).status_code == 200, page


async def test_every_other_endpoint_refuses_missing_expired_forged_and_wrong_kind_tokens(
    http: httpx.AsyncClient, stack_world: World
) -> None:
    protected = sorted(set(await operations(http)) - PUBLIC)
    assert len(protected) >= 17, protected  # the user's own data, courses, admin
    for name, headers in (await bad_credentials(http, stack_world)).items():
        for method, template in protected:
            answer = await call(http, method, template, headers)
            assert answer.status_code == 401, (name, method, template, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")


async def test_another_users_wallet_payments_questions_and_paths_are_not_found(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool
) -> None:
    alice_id, alice = await a_user(http)
    _, mallory = await a_user(http)
    await top_up(stack_world, alice_id, 2500)
    payment_id, _ = await a_top_up(http, alice, db, 1000)
    question = await http.post("/v1/tutor/questions", headers=alice, json={"question": "Why?"})
    path = await http.post(
        "/v1/learning-paths",
        headers=alice,
        json={"subject": "Kafka", "level": "beginner", "goals": ["consumer groups"]},
    )
    await outcome(http, question)
    await outcome(http, path)
    assert await until(lambda: _balance_is(http, alice, 2500))
    own = {
        "payment": f"/v1/payments/{payment_id}",
        "question": f"/v1/tutor/questions/{question.json()['question_id']}",
        "path": f"/v1/learning-paths/{path.json()['path_id']}",
    }
    for url in own.values():
        assert (await http.get(url, headers=alice)).status_code == 200, url

    # Mallory asks for each by id: answered as if it did not exist.
    unknown = {
        "payment": f"/v1/payments/{uuid.uuid4()}",
        "question": f"/v1/tutor/questions/{uuid.uuid4()}",
        "path": f"/v1/learning-paths/{uuid.uuid4()}",
    }
    for kind, url in own.items():
        stolen = await http.get(url, headers=mallory)
        missing = await http.get(unknown[kind], headers=mallory)
        assert stolen.status_code == 404, kind
        assert stolen.json() == missing.json(), kind
    refund = await http.post(f"/v1/payments/{payment_id}/refund", headers=mallory)
    assert refund.status_code == 404
    # Continuing Alice's conversation would put her questions in Mallory's prompt.
    hijack = await http.post(
        "/v1/tutor/questions",
        headers=mallory,
        json={"question": "What did I ask before?", "conversation_id": own_conversation(question)},
    )
    assert hijack.status_code == 404

    # Her wallet and ledger are not Mallory's, and no body field can name another owner.
    assert (await http.get("/v1/wallet", headers=mallory)).json() == {"balances": []}
    ledger = (await http.get("/v1/wallet/transactions", headers=mallory)).json()
    assert ledger == {"items": [], "next": None}
    smuggled = await http.post(
        "/v1/wallet/transfers",
        headers=mallory,
        json={
            "from_user_id": str(alice_id),
            "to_user_id": str(uuid.uuid4()),
            "amount_minor": 100,
            "currency": "EUR",
        },
    )
    assert smuggled.status_code == 422
    assert ["body", "from_user_id"] in [e["loc"] for e in smuggled.json()["errors"]]
    assert await _balance_is(http, alice, 2500)


def own_conversation(question: httpx.Response) -> str:
    conversation: str = question.json()["conversation_id"]
    return conversation


async def test_another_users_enrolments_are_neither_listed_nor_changed(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool
) -> None:
    instructor = await an_instructor(http, stack_world, db)
    published = await http.post(
        "/v1/courses",
        headers=instructor,
        json=a_course(f"Access for all {uuid.uuid4().hex[:6]}", price_minor=0),
    )
    assert (await outcome(http, published))["status"] == "succeeded"
    course_id = published.json()["course_id"]
    lesson = (await http.get(f"/v1/courses/{course_id}")).json()["modules"][0]["lessons"][0]
    alice_id, alice = await a_user(http)
    _, mallory = await a_user(http)
    enrolled = await http.post("/v1/enrollments", headers=alice, json={"course_id": course_id})
    assert (await outcome(http, enrolled))["status"] == "succeeded"

    assert (await http.get("/v1/enrollments", headers=mallory)).json() == {"items": []}
    # Progress is always the caller's own: Mallory is not enrolled, so hers is refused...
    progress = {"course_id": course_id, "lesson_id": lesson["lesson_id"]}
    mine = await http.post("/v1/progress", headers=mallory, json=progress)
    assert (await outcome(http, mine))["status"] == "rejected"
    # ...and she cannot name Alice as the learner.
    as_alice = await http.post(
        "/v1/progress", headers=mallory, json={**progress, "user_id": str(alice_id)}
    )
    assert as_alice.status_code == 422
    (alices,) = (await http.get("/v1/enrollments", headers=alice)).json()["items"]
    assert alices["completed_lessons"] == 0


async def test_only_instructors_publish_courses_and_only_admins_manage_dead_letters(
    http: httpx.AsyncClient, stack_world: World, db: asyncpg.Pool
) -> None:
    _, student = await a_user(http)
    refused = await http.post("/v1/courses", headers=student, json=a_course("Not mine to teach"))
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/forbidden"
    instructor = await an_instructor(http, stack_world, db)
    mine = a_course(f"Mine to teach {uuid.uuid4().hex[:6]}")
    assert (await http.post("/v1/courses", headers=instructor, json=mine)).status_code == 202

    admin_only = sorted(key for key in await operations(http) if "/admin/" in key[1])
    assert admin_only, "no admin endpoints documented"
    for auth in (student, instructor):
        for method, template in admin_only:
            answer = await call(http, method, template, auth)
            assert answer.status_code == 403, (method, template, answer.text)
            assert answer.json()["type"] == "/problems/forbidden"


async def test_a_stolen_refresh_token_used_first_ends_the_session_for_both(
    http: httpx.AsyncClient,
) -> None:
    email = an_email()
    await outcome(http, await register(http, email))
    victims = (await login(http, email)).json()["refresh_token"]
    thiefs = await http.post("/v1/auth/refresh", json={"refresh_token": victims})
    assert thiefs.status_code == 200

    # The victim's copy is now an old generation: reuse, and the session is revoked...
    reused = await _eventually(
        lambda: http.post("/v1/auth/refresh", json={"refresh_token": victims}),
        lambda r: r.status_code == 401,
    )
    assert reused.json()["type"] == "/problems/refresh_token_reused"
    # ...so the thief's newer token stops working too.
    revoked = await _eventually(
        lambda: http.post(
            "/v1/auth/refresh", json={"refresh_token": thiefs.json()["refresh_token"]}
        ),
        lambda r: r.status_code == 401,
    )
    assert revoked.json()["type"] == "/problems/session_revoked"


async def test_refresh_and_logout_refuse_access_tokens_and_forged_refresh_tokens(
    http: httpx.AsyncClient, stack_world: World
) -> None:
    email = an_email()
    await outcome(http, await register(http, email))
    tokens = (await login(http, email)).json()
    claims = jwt.decode(tokens["refresh_token"], options={"verify_signature": False})
    forged = jwt.encode(
        {**claims, "gen": claims["gen"] + 5}, "an attacker's own key, long enough!", "HS256"
    )
    for token in (tokens["access_token"], forged, forged_payload(tokens["refresh_token"], gen=9)):
        for route in ("/v1/auth/refresh", "/v1/auth/logout"):
            answer = await http.post(route, json={"refresh_token": token})
            assert answer.status_code == 401, (route, answer.text)
            assert answer.json()["type"] == "/problems/invalid_token"
    assert (await http.post("/v1/auth/logout", json=tokens)).status_code == 422  # extra field
    logout = await http.post("/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert logout.status_code == 204
    after = await _eventually(
        lambda: http.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}),
        lambda r: r.status_code == 401,
    )
    assert after.json()["type"] == "/problems/session_revoked"


async def test_repeated_failed_logins_lock_the_account_the_same_whether_it_exists_or_not(
    http: httpx.AsyncClient,
) -> None:
    email = an_email()
    await outcome(http, await register(http, email))
    nobody = an_email()
    client = {"X-Forwarded-For": "198.51.100.31"}  # an address of this test's own

    async def attempt(who: str, password: str = "not the password 42") -> httpx.Response:
        return await http.post(
            "/v1/auth/login", json={"email": who, "password": password}, headers=client
        )

    for who in (email, nobody):
        assert [(await attempt(who)).status_code for _ in range(5)] == [401] * 5
    locked = await attempt(email, PASSWORD)  # the right password, too late
    ghost = await attempt(nobody)
    for answer in (locked, ghost):
        assert answer.status_code == 429
        assert answer.headers["content-type"] == "application/problem+json"
        assert 890 <= int(answer.headers["Retry-After"]) <= 900
    assert {k: v for k, v in locked.json().items() if k != "detail"} == {
        k: v for k, v in ghost.json().items() if k != "detail"
    }
    # Another client cannot log in to the locked account either: the lock is the account's.
    elsewhere = await http.post(
        "/v1/auth/login",
        json={"email": email, "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.32"},
    )
    assert elsewhere.status_code == 429


async def test_a_successful_login_resets_the_count(http: httpx.AsyncClient) -> None:
    email = an_email()
    await outcome(http, await register(http, email))
    client = {"X-Forwarded-For": "198.51.100.33"}
    for _ in range(2):
        for _ in range(4):
            wrong = await http.post(
                "/v1/auth/login",
                json={"email": email, "password": "not the password 42"},
                headers=client,
            )
            assert wrong.status_code == 401
        assert (await login(http, email)).status_code == 200


async def test_many_failed_logins_from_one_address_lock_that_address(
    http: httpx.AsyncClient,
) -> None:
    email = an_email()
    await outcome(http, await register(http, email))
    attacker = {"X-Forwarded-For": "198.51.100.34"}
    for _ in range(50):  # AZORA_LOGIN_MAX_FAILURES_PER_ADDRESS, each a different account
        guess = await http.post(
            "/v1/auth/login",
            json={"email": an_email(), "password": "not the password 42"},
            headers=attacker,
        )
        assert guess.status_code == 401
    blocked = await http.post(
        "/v1/auth/login", json={"email": email, "password": PASSWORD}, headers=attacker
    )
    assert blocked.status_code == 429
    assert (await login(http, email)).status_code == 200  # from anywhere else


async def test_addresses_a_client_writes_before_the_proxys_cannot_escape_its_lock(
    http: httpx.AsyncClient,
) -> None:
    # The proxy (loopback, trusted in this stack) appends the address it saw; whatever the
    # client wrote to the left of it, a new address per guess, is not believed.
    email = an_email()
    await outcome(http, await register(http, email))
    seen_by_the_proxy = "198.51.100.35"
    for n in range(50):  # AZORA_LOGIN_MAX_FAILURES_PER_ADDRESS
        guess = await http.post(
            "/v1/auth/login",
            json={"email": an_email(), "password": "not the password 42"},
            headers={"X-Forwarded-For": f"192.0.2.{n}, {seen_by_the_proxy}"},
        )
        assert guess.status_code == 401
    claimed_elsewhere = await http.post(
        "/v1/auth/login",
        json={"email": email, "password": PASSWORD},
        headers={"X-Forwarded-For": f"192.0.2.200, {seen_by_the_proxy}"},
    )
    assert claimed_elsewhere.status_code == 429


async def _balance_is(http: httpx.AsyncClient, auth: dict[str, str], eur: int) -> bool:
    balances = (await http.get("/v1/wallet", headers=auth)).json()["balances"]
    return bool(balances == [{"currency": "EUR", "balance_minor": eur}])


async def _eventually(
    call: Callable[[], Awaitable[httpx.Response]],
    done: Callable[[httpx.Response], bool],
    attempts: int = 50,
) -> httpx.Response:
    """Repeat `call` until `done(answer)`: sessions are projected asynchronously."""
    answer = await call()
    for _ in range(attempts):
        if done(answer):
            return answer
        await asyncio.sleep(0.1)
        answer = await call()
    return answer
