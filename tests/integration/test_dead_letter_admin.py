"""The admin API on the real broker and database: list, show and re-drive dead letters."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import asyncpg
import httpx
import pytest

from azora import db as azora_db
from azora.consume.errors import PermanentError
from azora.consume.service import Service
from azora.consume.unit_of_work import UnitOfWork
from azora.crypto import SecretBox
from azora.messages import Event, build_envelope, encode
from consumers.projections.dead_letters import DEAD_LETTERS
from producers.ingress.app import create_app
from producers.ingress.bus import Bus
from producers.ingress.context import IngressContext
from producers.ingress.passwords import Passwords
from producers.ingress.tokens import TokenService
from producers.ingress.transport import KafkaTransport, ingress_producer
from producers.ingress.waiter import CommandWaiter
from schemas import catalogue
from schemas.registration import UserRegistrationRequested
from tests.support.key_store import memory_vault
from tests.support.registrations import on_registration_requested
from tests.support.world import World, eventually, running

pytestmark = pytest.mark.integration

SPEC = catalogue.USER_REGISTRATION_REQUESTED
HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"


@contextlib.asynccontextmanager
async def ingress(world: World) -> AsyncIterator[tuple[httpx.AsyncClient, TokenService]]:
    """The ingress app with its real producer and pool, and the service that signs its tokens."""
    settings = world.settings
    secret = settings.required_secret("secret_key")
    kafka = KafkaTransport(lambda: ingress_producer(settings))
    tokens = TokenService(secret, 900, 3600)
    ctx = IngressContext(
        settings=settings,
        bus=Bus(kafka, world.names, secret),
        tokens=tokens,
        passwords=Passwords(),
        secrets=SecretBox(secret),
        waiter=CommandWaiter(settings.database_url),
        asyncapi=dict,
        vault=memory_vault(),
    )
    await kafka.start()
    ctx.pool = await azora_db.create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        transport = httpx.ASGITransport(app=create_app(ctx, kafka))
        async with httpx.AsyncClient(transport=transport, base_url="http://ingress") as client:
            yield client, tokens
    finally:
        await ctx.pool.close()
        await kafka.stop()


def _registration(display_name: str) -> UserRegistrationRequested:
    return UserRegistrationRequested(
        user_id=uuid.uuid4(),
        email=f"{uuid.uuid4().hex[:12]}@example.org",
        display_name=display_name,
        password_hash=HASH,
    )


def bearer(tokens: TokenService, *roles: str) -> tuple[uuid.UUID, dict[str, str]]:
    user_id = uuid.uuid4()
    pair = tokens.issue(user_id, roles, uuid.uuid4(), 1)
    return user_id, {"Authorization": f"Bearer {pair.access_token}"}


async def test_an_admin_lists_shows_and_redrives_a_dead_letter_over_http(
    world: World, db: asyncpg.Pool
) -> None:
    refusing = {"on": True}

    async def handler(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        if refusing["on"] and any(e.payload.display_name == "poison" for e in events):
            raise PermanentError("poison is not a name")
        await on_registration_requested(events, uow)

    service = Service(name=f"test-{uuid.uuid4().hex[:8]}", handlers={SPEC: handler})
    poison = _registration("poison")
    (command,) = await world.publish([poison])

    async with running(world, service, DEAD_LETTERS), ingress(world) as (http, tokens):
        admin_id, admin = bearer(tokens, "admin")
        _, student = bearer(tokens, "student")

        async def listed() -> list[dict[str, Any]]:
            answer = await http.get("/v1/admin/dead-letters", headers=admin)
            assert answer.status_code == 200, answer.text
            items: list[dict[str, Any]] = answer.json()["items"]
            return items

        await eventually(listed)
        (item,) = await listed()
        assert item["origin_topic"] == world.names.physical(SPEC)
        assert item["error_kind"] == "permanent"
        assert item["event_id"] == str(command.event_id), "read from the body: no headers"
        assert item["redriven_at"] is None
        filtered = await http.get(
            "/v1/admin/dead-letters",
            params={"topic": SPEC.name, "group": service.name, "pending": "true"},
            headers=admin,
        )
        assert [i["id"] for i in filtered.json()["items"]] == [item["id"]]
        other = await http.get(
            "/v1/admin/dead-letters", params={"topic": "user.registered"}, headers=admin
        )
        assert other.json()["items"] == []

        shown = await http.get(f"/v1/admin/dead-letters/{item['id']}", headers=admin)
        assert shown.status_code == 200
        detail = shown.json()
        assert detail["value"]["parsed"]["payload"]["display_name"] == "poison"
        assert detail["key"]["text"] == poison.email.lower()
        names = [h["name"] for h in detail["headers"]]
        assert "dlq.error" in names
        assert "dlq.group" in names
        missing = await http.get(f"/v1/admin/dead-letters/{uuid.uuid4()}", headers=admin)
        assert missing.status_code == 404

        url = f"/v1/admin/dead-letters/{item['id']}/redrive"
        assert (await http.post(url, headers=student)).status_code == 403
        assert (await http.post(url)).status_code == 401
        assert await _accounts(db, poison.email) == 0

        refusing["on"] = False  # the fix is deployed
        redriven = await http.post(url, headers=admin)
        assert redriven.status_code == 202, redriven.text
        assert redriven.json()["redriven_by"] == f"admin:{admin_id}"
        await eventually(lambda: _accounts(db, poison.email))

        async def marked() -> dict[str, Any] | None:
            answer = await http.get(f"/v1/admin/dead-letters/{item['id']}", headers=admin)
            body: dict[str, Any] = answer.json()
            return body if body["redriven_at"] else None

        await eventually(marked)
        pending = await http.get("/v1/admin/dead-letters", params={"pending": 1}, headers=admin)
        assert pending.json()["items"] == []

    assert await _accounts(db, poison.email) == 1


async def test_a_dead_letter_with_binary_and_repeated_headers_goes_back_byte_for_byte(
    world: World,
) -> None:
    async def refuse(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
        raise PermanentError("refused")

    service = Service(name=f"test-{uuid.uuid4().hex[:8]}", handlers={SPEC: refuse})
    command = _registration("Ada")
    record = encode(SPEC, build_envelope(SPEC, command, actor="test"), None, world.names)
    odd = [("blob", b"\xff\x00\xfe"), ("tag", b"one"), ("tag", b"two")]
    producer = ingress_producer(world.settings)
    await producer.start()
    try:
        sent = await producer.send(record.topic, record.value, headers=[*record.headers, *odd])
        await sent
    finally:
        await producer.stop()

    async with running(world, service, DEAD_LETTERS), ingress(world) as (http, tokens):
        _, admin = bearer(tokens, "admin")

        async def listed() -> list[dict[str, Any]]:
            items: list[dict[str, Any]] = (
                await http.get("/v1/admin/dead-letters", headers=admin)
            ).json()["items"]
            return items

        await eventually(listed)
        (item,) = await listed()
        answer = await http.post(f"/v1/admin/dead-letters/{item['id']}/redrive", headers=admin)
        assert answer.status_code == 202, answer.text

    records = await world.wait_for_records(record.topic, 2)
    (again,) = [r for r in records if any(k == "dlq.redriven_from" for k, _ in r.headers)]
    assert [(k, v) for k, v in again.headers if k in ("blob", "tag")] == odd
    assert again.value == record.value


async def _accounts(db: asyncpg.Pool, email: str) -> int:
    count: int = await db.fetchval(
        "SELECT count(*) FROM identity.accounts WHERE email = $1", email.lower()
    )
    return count
