"""A provider sign-in's tokens wait for the new account's profile, so `GET /v1/me` finds it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from producers.ingress import queries
from producers.ingress.oidc import exchange


def profile_after(reads: int, monkeypatch: pytest.MonkeyPatch) -> list[uuid.UUID]:
    """Make the read model show the profile from the `reads`-th read on; the reads made."""
    made: list[uuid.UUID] = []

    async def fetch_one(ctx: Any, sql: str, user_id: uuid.UUID) -> Any:
        assert sql == queries.USER
        made.append(user_id)
        return {"user_id": user_id, "roles": ["student"]} if len(made) >= reads else None

    monkeypatch.setattr(queries, "fetch_one", fetch_one)
    monkeypatch.setattr(exchange, "PROFILE_POLL_S", 0.0)
    return made


async def test_the_profile_projected_after_the_decision_is_waited_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user_id = uuid.uuid4()
    made = profile_after(3, monkeypatch)

    profile = await exchange.projected_profile(None, user_id, wait_s=60.0)  # type: ignore[arg-type]

    assert profile is not None
    assert profile["user_id"] == user_id
    assert made == [user_id] * 3


async def test_a_profile_already_there_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    made = profile_after(1, monkeypatch)

    assert await exchange.projected_profile(None, uuid.uuid4(), wait_s=60.0) is not None  # type: ignore[arg-type]
    assert len(made) == 1


async def test_a_profile_that_never_comes_gives_up_at_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = profile_after(10**9, monkeypatch)

    assert await exchange.projected_profile(None, uuid.uuid4(), wait_s=0.0) is None  # type: ignore[arg-type]
    assert len(made) == 1
