"""The proof of erasure on an append-only log: after a user is erased, replaying every
topic from the beginning, exporting them all in clear (`azora replay export
--include-personal-data`) and rebuilding every projection from scratch show none of their
personal data, while another user's data, and every balance, are unchanged.

Each person leaves unique words everywhere a person can: an email and a display name at
registration, a tutor question, a learning path's subject and goals. The other user's words
are found where they should be, so a search that finds nothing proves something.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest

from stack import composition
from stack.rebuild import versions
from stack.rebuild.runner import ProjectionRebuild
from stack.rebuild.versions import Shadow
from stack.replay.audit import Disclosure
from stack.replay.export import ExportRequest, export
from tests.e2e.helpers import PASSWORD, balance, bearer, outcome, top_up, until
from tests.support import topic_scan
from tests.support.world import World

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Person:
    """A registered user, their tokens, and the words only they used."""

    user_id: uuid.UUID
    auth: dict[str, str]
    words: dict[str, str]


async def a_person_who_leaves_words_everywhere(http: httpx.AsyncClient, name: str) -> Person:
    mark = uuid.uuid4().hex[:12]
    words = {
        "email": f"{name}-{mark}@example.org",
        "display name": f"{name.title()} Shredded {mark}",
        "question": f"Why does {name} ask about log compaction {mark}?",
        "subject": f"Stream processing for {name} {mark}",
        "goal": f"{name} wants to replay topics {mark}",
    }
    accepted = await http.post(
        "/v1/auth/register",
        json={"email": words["email"], "password": PASSWORD, "display_name": words["display name"]},
    )
    assert (await outcome(http, accepted))["status"] == "succeeded", accepted.text
    tokens = await http.post("/v1/auth/login", json={"email": words["email"], "password": PASSWORD})
    auth = bearer(tokens)
    asked = await http.post(
        "/v1/tutor/questions", headers=auth, json={"question": words["question"]}
    )
    drafted = await http.post(
        "/v1/learning-paths",
        headers=auth,
        json={"subject": words["subject"], "level": "beginner", "goals": [words["goal"]]},
    )
    for command in (asked, drafted):
        assert command.status_code == 202, command.text
        assert (await outcome(http, command))["status"] == "succeeded", command.text
    return Person(uuid.UUID(accepted.json()["user_id"]), auth, words)


async def test_after_erasure_no_replay_export_or_rebuild_shows_the_user_and_others_are_unchanged(
    http: httpx.AsyncClient,
    stack_world: World,
    db: asyncpg.Pool,
    service_databases: dict[str, str],
    tmp_path: Path,
) -> None:
    ada = await a_person_who_leaves_words_everywhere(http, "ada")
    bob = await a_person_who_leaves_words_everywhere(http, "bob")
    await top_up(stack_world, ada.user_id, 700)
    await top_up(stack_world, bob.user_id, 300)
    assert await until(lambda: _balance_is(http, bob.auth, {"EUR": 300}))
    assert await until(lambda: _balance_is(http, ada.auth, {"EUR": 700}))

    erased = await http.request("DELETE", "/v1/me", json={"password": PASSWORD}, headers=ada.auth)
    assert erased.status_code == 202, erased.text
    assert (await outcome(http, erased))["status"] == "succeeded"
    settings = stack_world.settings
    topics = sorted({*stack_world.names.all_physical()})

    # 1. Every record of every topic (and dead-letter topic), keys, values and headers: no
    #    one's words are in clear, Ada's or Bob's (they travel sealed).
    clear = await topic_scan.scan(settings, topics, _needles(ada) | _needles(bob))
    assert clear.records > 0
    assert [str(f) for f in clear.findings] == []

    # 2. Everything exported in clear, as an analyst with the key access would: Bob's words
    #    open, Ada's are gone for good.
    exported = tmp_path / "everything.jsonl"
    disclosure = Disclosure(reason="erasure proof", os_user="pytest", operator="e2e")
    await export(
        settings,
        ExportRequest(topics=tuple(topics), output=exported, progress=False, disclosure=disclosure),
    )
    text = exported.read_text()
    assert _found(text, ada) == []
    assert _found(text, bob) == sorted(bob.words)

    # 3. Every projection rebuilt from the first offsets of every topic it reads. Built
    #    beside the live tables and not swapped in: the suite's other worlds share them.
    rebuilt = []
    for name, projection in composition.projections(settings).items():
        rebuild = ProjectionRebuild(
            settings, projection, stack_world.names, allow_truncated=True, swap=False
        )
        built = await rebuild.run(asyncio.Event())
        assert built is not None, name
        rebuilt.append(await _rows_of(db, built.shadow))
    read_models = "\n".join(rebuilt)
    assert _found(read_models, ada) == []
    # (A learning path's read model keeps the drafted steps, not the subject and goals.)
    assert _found(read_models, bob) == ["display name", "email", "question"]
    # Money stays auditable: Bob's balance as it was, Ada's ledger under her random id.
    assert await balance(http, bob.auth) == {"EUR": 300}
    wallet = await asyncpg.connect(service_databases["wallet"])
    try:
        ledger = "SELECT sum(amount_minor) FROM wallet.ledger WHERE user_id = $1"
        assert await wallet.fetchval(ledger, ada.user_id) == 700
    finally:
        await wallet.close()


def _needles(person: Person) -> dict[str, str]:
    return {word: f"{person.words['email']}'s {kind}" for kind, word in person.words.items()}


def _found(text: str, person: Person) -> list[str]:
    return sorted(kind for kind, word in person.words.items() if word in text)


async def _rows_of(db: asyncpg.Pool, shadow: Shadow) -> str:
    """Every row a rebuild wrote, as text; then its tables are dropped."""
    async with db.acquire() as conn:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1",
            shadow.schema,
        )
        rows = [
            row["row"]
            for table in tables
            for row in await conn.fetch(
                f'SELECT t::text AS row FROM "{shadow.schema}"."{table["table_name"]}" t'
            )
        ]
        await versions.abandon(conn, shadow)
    return "\n".join(rows)


async def _balance_is(
    http: httpx.AsyncClient, auth: dict[str, str], expected: dict[str, int]
) -> bool:
    return await balance(http, auth) == expected
