"""Services combined into one group (the projections) keep each part's rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from azora.consume.service import Service, combine
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from schemas import catalogue as topics
from schemas.wallet import WalletDebited


async def _noop(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    return None


def _debit(reason: str) -> WalletDebited:
    return WalletDebited.model_construct(reason=reason)


def _part(name: str, reason: str | None) -> Service:
    acts_on = {} if reason is None else {topics.WALLET_DEBITED: lambda d: d.reason == reason}
    return Service(name=name, handlers={topics.WALLET_DEBITED: _noop}, acts_on=acts_on)


def test_a_combined_group_acts_on_what_any_part_acts_on() -> None:
    both = combine("g", [_part("a", "refund"), _part("b", "course_purchase")])
    relevant = both.acts_on[topics.WALLET_DEBITED]
    assert relevant(_debit("refund"))
    assert relevant(_debit("course_purchase"))
    assert not relevant(_debit("transfer_out"))


def test_a_part_that_wants_every_event_lifts_the_filter() -> None:
    mixed = combine("g", [_part("a", "refund"), _part("b", None)])
    assert topics.WALLET_DEBITED not in mixed.acts_on
