"""Identity's registration handler for tests that feed it hand-made registrations.

Those tests build the legacy command (`user.registration_requested`, hash in clear), which
identity still reads during an upgrade and which needs no key to open; the handler is
given a key of its own all the same, as identity is, and a vault in memory.
"""

from __future__ import annotations

from collections.abc import Sequence

from azora.consume.unit_of_work import UnitOfWork
from azora.crypto import REGISTRATION, SecretBox
from azora.messages import Event
from consumers.identity import handlers
from consumers.identity.rules import Registration
from tests.support.key_store import memory_vault
from tests.support.secrets import random_secret_key

_KEY = SecretBox(random_secret_key()).for_purpose(REGISTRATION)
_VAULT = memory_vault()


async def on_registration_requested(events: Sequence[Event[Registration]], uow: UnitOfWork) -> None:
    """Identity's registration handler, with a key of its own."""
    await handlers.on_registration_requested(_KEY, _VAULT, events, uow)
