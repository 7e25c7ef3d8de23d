"""An export in clear opens each sealed section with its user's key; an erased user's
section is written as erased, and one that does not open as unreadable, row kept."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel

from azora.personal.sections import seal_section
from azora.personal.vault import Vault
from schemas.envelope import Envelope
from stack.replay.unsealing import ERASED, UNREADABLE, Unsealing
from tests.support.key_store import memory_vault


class _Words(BaseModel):
    question: str


def _row(user_id: uuid.UUID, sealed: str) -> dict[str, Any]:
    return {"type": "tutor.asked", "payload": {"user_id": str(user_id), "personal": sealed}}


def _envelope(row: dict[str, Any]) -> Envelope:
    return Envelope.model_validate(
        {
            "event_id": str(uuid.uuid4()),
            "type": row["type"],
            "schema_version": 1,
            "occurred_at": "2026-12-02T16:00:00Z",
            "correlation_id": str(uuid.uuid4()),
            "causation_id": None,
            "actor": "test",
            "payload": row["payload"],
        }
    )


async def _sealed_for(vault: Vault, user_id: uuid.UUID, words: str) -> str:
    await vault.create_key(user_id)
    return seal_section(await vault.keyring([user_id]), user_id, _Words(question=words))


async def test_sections_open_to_their_fields_and_an_erased_users_read_as_erased() -> None:
    vault = memory_vault()
    ada, bob = uuid.uuid4(), uuid.uuid4()
    rows = [
        _row(ada, await _sealed_for(vault, ada, "Ada asks")),
        _row(bob, await _sealed_for(vault, bob, "Bob asks")),
    ]
    await vault.destroy(ada)
    unsealing = Unsealing(vault, frozenset({"tutor.asked"}))

    await unsealing.prepare(_envelope(row) for row in rows)
    opened = [unsealing.event(row)["payload"] for row in rows]

    assert opened == [
        {"user_id": str(ada), "personal": ERASED},
        {"user_id": str(bob), "personal": {"question": "Bob asks"}},
    ]


async def test_a_section_copied_onto_another_users_event_is_written_as_unreadable() -> None:
    vault = memory_vault()
    ada, bob = uuid.uuid4(), uuid.uuid4()
    await vault.create_key(bob)
    stolen = _row(bob, await _sealed_for(vault, ada, "Ada asks"))
    unsealing = Unsealing(vault, frozenset({"tutor.asked"}))

    await unsealing.prepare([_envelope(stolen)])

    assert unsealing.event(stolen)["payload"]["personal"] == UNREADABLE
