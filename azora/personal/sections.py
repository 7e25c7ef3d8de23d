"""Sealing an event's personal section (`schemas.sealed`) with a user's key, and opening it.

A section is a small contract model (the personal fields of one event) sealed whole as
JSON. Opening gives the model back, or None when the user's key is gone (they were
erased): a reader then drops or anonymises what it would have written, never fails.
"""

from __future__ import annotations

import uuid
from typing import TypeVar

from pydantic import BaseModel

from azora.personal.vault import KeyRing

S = TypeVar("S", bound=BaseModel)


def seal_section(ring: KeyRing, user_id: uuid.UUID, section: BaseModel) -> str:
    """`section` sealed with the user's newest key (`NoKey` when they have none)."""
    return ring.seal(user_id, section.model_dump_json())


def open_section(ring: KeyRing, user_id: uuid.UUID, sealed: str, model: type[S]) -> S | None:
    """The section `sealed` holds, or None when the user's key was destroyed.

    A section that does not open (tampered with, sealed for another user) raises
    `SealedFieldInvalid`; one that opens but does not validate raises pydantic's
    `ValidationError`: both are broken events, for the dead-letter path.
    """
    clear = ring.opened(user_id, sealed)
    return None if clear is None else model.model_validate_json(clear)
