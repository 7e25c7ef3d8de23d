"""Proof of a fresh sign-in with a provider, where a password is otherwise asked.

An account created by a provider sign-in has no password. Its holder re-authenticates
with a fresh round-trip to the provider (`prompt=login`, `max_age=0`), which ends in a
short-lived re-authentication token (`producers/ingress/oidc/`); sensitive actions take it
in place of the password.
"""

from __future__ import annotations

import uuid

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
