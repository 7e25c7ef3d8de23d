"""Sealed personal sections opened for an export in clear (`--include-personal-data`).

An event that outlives its use carries its personal fields sealed with the user's key
(`schemas.sealed`). An audited export in clear opens each section with the vault and
writes the section's fields in its place; a section whose user was erased (their key is
destroyed) is written as `ERASED`: the row, its ids and amounts remain.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from pydantic_core import from_json

from azora.personal.sealing import SealedFieldInvalid
from azora.personal.vault import KeyRing, Vault
from schemas.catalogue import CATALOGUE
from schemas.envelope import Envelope
from schemas.sealed import OWNER_FIELD, SECTION_FIELD
from stack.replay.rows import PAYLOAD, Row

ERASED = "[erased]"
# What an export writes for a section that does not open with its user's key (altered, or
# copied from another user's event): never its ciphertext, never a crash mid-export.
UNREADABLE = "[unreadable]"


def types_with_sections() -> frozenset[str]:
    """The event types of the catalogue whose models carry a sealed personal section."""
    return frozenset(spec.type for spec in CATALOGUE if SECTION_FIELD in spec.model.model_fields)


def owner_of(payload: Any) -> uuid.UUID | None:
    """The user whose key sealed a payload's section (None when it names none)."""
    owner = payload.get(OWNER_FIELD) if isinstance(payload, dict) else None
    try:
        return uuid.UUID(str(owner)) if owner is not None else None
    except ValueError:
        return None


class Unsealing:
    """Opens the sections of one batch of records with one keyring."""

    def __init__(self, vault: Vault, types: frozenset[str] | None = None) -> None:
        self._vault = vault
        self._types = types_with_sections() if types is None else types
        self._ring = KeyRing({})

    def applies_to(self, event_type: str) -> bool:
        """Whether events of `event_type` carry a section to open."""
        return event_type in self._types

    async def prepare(self, envelopes: Iterable[Envelope | None]) -> None:
        """Fetch the keys of every user whose section is in this batch (one vault call)."""
        owners = {
            owner
            for envelope in envelopes
            if envelope is not None
            and self.applies_to(envelope.type)
            and (owner := owner_of(envelope.payload)) is not None
        }
        self._ring = await self._vault.keyring(owners)

    def event(self, row: Row) -> Row:
        """`row` with its section replaced by the fields it holds (or `ERASED`)."""
        payload = row.get(PAYLOAD)
        if not isinstance(payload, dict) or not isinstance(payload.get(SECTION_FIELD), str):
            return row
        owner = owner_of(payload)
        if owner is None:
            payload[SECTION_FIELD] = UNREADABLE
            return row
        try:
            clear = self._ring.opened(owner, payload[SECTION_FIELD])
        except SealedFieldInvalid:
            payload[SECTION_FIELD] = UNREADABLE
            return row
        payload[SECTION_FIELD] = ERASED if clear is None else from_json(clear)
        return row
