"""The wallet ledger's rules, in memory."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from consumers.wallet.rules import Balance, Ledger

NOW = datetime(2026, 11, 26, tzinfo=UTC)
ADA = (uuid.uuid4(), "EUR")
BOB = (uuid.uuid4(), "EUR")


def ids() -> uuid.UUID:
    return uuid.uuid4()


def test_a_balance_is_the_sum_of_its_entries() -> None:
    ledger = Ledger({})
    ledger.credit(ADA, 5000, "top_up", ids(), ids(), NOW)
    ledger.debit(ADA, 1200, "course_purchase", ids(), ids(), NOW)
    assert ledger.balances[ADA].minor == sum(e.amount_minor for e in ledger.entries) == 3800
    assert [e.balance_version for e in ledger.entries] == [1, 2]


def test_a_debit_larger_than_the_balance_is_refused_and_posts_nothing() -> None:
    ledger = Ledger({ADA: Balance(1000, 3)})
    assert ledger.debit(ADA, 1001, "course_purchase", ids(), ids(), NOW) is None
    assert ledger.entries == []
    assert ledger.balances[ADA] == Balance(1000, 3)


def test_only_as_many_debits_succeed_as_the_balance_covers() -> None:
    ledger = Ledger({ADA: Balance(5000, 1)})
    results = [ledger.debit(ADA, 1000, "course_purchase", ids(), ids(), NOW) for _ in range(20)]
    assert sum(r is not None for r in results) == 5
    assert ledger.balances[ADA].minor == 0


def test_a_transfer_moves_money_both_ways_or_not_at_all() -> None:
    ledger = Ledger({ADA: Balance(3000, 1)})
    moved = ledger.transfer(ADA, BOB, 2000, ids(), (ids(), ids()), NOW)
    assert moved is not None
    assert (ledger.balances[ADA].minor, ledger.balances[BOB].minor) == (1000, 2000)
    assert ledger.transfer(ADA, BOB, 2000, ids(), (ids(), ids()), NOW) is None
    assert (ledger.balances[ADA].minor, ledger.balances[BOB].minor) == (1000, 2000)
    assert len(ledger.entries) == 2
