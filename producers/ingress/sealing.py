"""Sealing what a user writes with their personal-data key before it is published.

The ingress reads keys from the vault (the deployment's key service, in the shared
database) and never writes one: identity makes each user's key with their account. A user
with no key (their account predates the vault, or was erased) gets a 409 saying so, never
a 500: nothing is published in clear.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel

from azora.personal.sections import seal_section
from azora.personal.vault import KeyRing
from producers.ingress.context import IngressContext
from producers.ingress.problems import Problem
from producers.ingress.queries import UNAVAILABLE

NO_KEY_DETAIL = (
    "your account has no personal-data key yet, so what you write cannot be stored sealed "
    "for you alone; keys are made when an account is created: try again in a moment, or "
    "contact support if this persists"
)


async def _ring(ctx: IngressContext, user_id: uuid.UUID) -> KeyRing:
    try:
        return await ctx.vault.keyring([user_id])
    except UNAVAILABLE as exc:
        raise Problem(
            503,
            "vault_unavailable",
            "Personal-data keys are unavailable",
            str(exc),
            headers={"Retry-After": "2"},
        ) from exc


async def sealed_for(ctx: IngressContext, user_id: uuid.UUID, section: BaseModel) -> str:
    """`section` sealed with the user's newest key; 409 when they have none."""
    ring = await _ring(ctx, user_id)
    if not ring.holds(user_id):
        raise Problem(409, "no_personal_data_key", "No personal-data key", NO_KEY_DETAIL)
    return seal_section(ring, user_id, section)
