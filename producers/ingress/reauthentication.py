"""Proof of a fresh sign-in with a provider, where a password is otherwise asked.

An account created by a provider sign-in has no password. Its holder re-authenticates
with a fresh round-trip to the provider (`prompt=login`, `max_age=0`), which ends in a
short-lived re-authentication token (`producers/ingress/oidc/`); sensitive actions take it
in place of the password.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from producers.ingress.context import IngressContext
from producers.ingress.oidc.tickets import TicketInvalid


def reauthenticated_by_provider(ctx: IngressContext, token: str | None, user_id: uuid.UUID) -> bool:
    """Whether `token` is a live re-authentication token of `user_id`."""
    if token is None or ctx.oidc is None:
        return False
    try:
        claims = ctx.oidc.tickets.read("reauthentication", token)
    except TicketInvalid:
        return False
    return bool(claims["sub"] == str(user_id))


async def first_factor_proven(
    ctx: IngressContext,
    row: Mapping[str, Any],
    user_id: uuid.UUID,
    password: str | None,
    reauthentication_token: str | None,
) -> bool:
    """Whether the caller proved again who they are: a live provider re-authentication of
    `user_id`, or the password of the account `row` (its credentials) describes."""
    if reauthenticated_by_provider(ctx, reauthentication_token, user_id):
        return True
    return password is not None and await ctx.passwords.verify(row["password_hash"], password)
