"""Wallet: posts credits, debits and transfers to its ledger; owns the `wallet` schema.

Each handler locks the batch's wallets (in a fixed order, so concurrent batches never
deadlock), applies the batch in order to an in-memory `Ledger`, and writes the entries
and balances back with set-based statements, in the consume loop's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from azora.consume.service import Service
from azora.consume.unit_of_work import UnitOfWork
from azora.ids import name_uuid
from azora.messages import Event
from consumers.wallet.ledger import INSUFFICIENT_FUNDS, Account, Balance, Entry, Ledger
from schemas import catalogue as topics
from schemas.wallet import (
    WalletCredited,
    WalletDebited,
    WalletDebitRejected,
    WalletTransferCompleted,
    WalletTransferRejected,
)

ENSURE = """
INSERT INTO wallet.balances (user_id, currency)
SELECT * FROM unnest($1::uuid[], $2::text[]) ON CONFLICT DO NOTHING
"""
LOCK = """
SELECT b.user_id, b.currency, b.balance_minor, b.version
FROM wallet.balances b JOIN unnest($1::uuid[], $2::text[]) AS t(user_id, currency)
  ON b.user_id = t.user_id AND b.currency = t.currency
ORDER BY b.user_id, b.currency
FOR UPDATE OF b
"""
POST_ENTRIES = """
INSERT INTO wallet.ledger
    (entry_id, user_id, currency, amount_minor, reason, reference, balance_after_minor, created_at)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bigint[], $5::text[], $6::uuid[],
                     $7::bigint[], $8::timestamptz[])
"""
SAVE_BALANCES = """
UPDATE wallet.balances b SET balance_minor = t.minor, version = t.version
FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[])
     AS t(user_id, currency, minor, version)
WHERE b.user_id = t.user_id AND b.currency = t.currency
"""


async def post(
    uow: UnitOfWork, accounts: Iterable[Account], work: Callable[[Ledger], None]
) -> None:
    """Lock `accounts`, let `work` post to a ledger over them, and write what it posted."""
    wanted = sorted(set(accounts))
    users = [user for user, _ in wanted]
    currencies = [currency for _, currency in wanted]
    await uow.conn.execute(ENSURE, users, currencies)
    rows = await uow.conn.fetch(LOCK, users, currencies)
    ledger = Ledger(
        {(r["user_id"], r["currency"]): Balance(r["balance_minor"], r["version"]) for r in rows}
    )
    work(ledger)
    if not ledger.entries:
        return
    entries = ledger.entries
    await uow.conn.execute(
        POST_ENTRIES,
        [e.entry_id for e in entries],
        [e.user_id for e in entries],
        [e.currency for e in entries],
        [e.amount_minor for e in entries],
        [e.reason for e in entries],
        [e.reference for e in entries],
        [e.balance_after_minor for e in entries],
        [e.at for e in entries],
    )
    touched = {(e.user_id, e.currency): ledger.balances[(e.user_id, e.currency)] for e in entries}
    await uow.conn.execute(
        SAVE_BALANCES,
        [user for user, _ in touched],
        [currency for _, currency in touched],
        [b.minor for b in touched.values()],
        [b.version for b in touched.values()],
    )


def entry_fact(entry: Entry) -> WalletCredited | WalletDebited:
    """The event announcing a ledger entry."""
    common = {
        "entry_id": entry.entry_id,
        "user_id": entry.user_id,
        "currency": entry.currency,
        "amount_minor": abs(entry.amount_minor),
        "reference": entry.reference,
        "balance_after_minor": entry.balance_after_minor,
        "balance_version": entry.balance_version,
        "at": entry.at,
    }
    if entry.amount_minor > 0:
        return WalletCredited(reason=entry.reason, **common)
    return WalletDebited(reason=entry.reason, **common)


def entry_id(cause: Event[Any], side: str) -> uuid.UUID:
    """A ledger entry's id, derived from its cause: a repeat posts nothing new."""
    return name_uuid(cause.envelope.event_id, f"wallet-entry:{side}")


async def on_payment_succeeded(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """Credit wallet top-ups (course purchases paid by card never touch the wallet)."""
    top_ups = [e for e in events if e.payload.purpose == "wallet_top_up"]

    def work(ledger: Ledger) -> None:
        for event in top_ups:
            p = event.payload
            entry = ledger.credit(
                (p.user_id, p.currency),
                p.amount_minor,
                "top_up",
                p.payment_id,
                entry_id(event, "credit"),
                p.succeeded_at,
            )
            uow.emit(entry_fact(entry), cause=event)

    await post(uow, [(e.payload.user_id, e.payload.currency) for e in top_ups], work)


async def on_transfer_requested(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """Move money between two wallets, or refuse with the reason."""

    def work(ledger: Ledger) -> None:
        for event in events:
            p = event.payload
            moved = ledger.transfer(
                (p.from_user_id, p.currency),
                (p.to_user_id, p.currency),
                p.amount_minor,
                p.transfer_id,
                (entry_id(event, "debit"), entry_id(event, "credit")),
                event.envelope.occurred_at,
            )
            if moved is None:
                uow.emit(
                    WalletTransferRejected(
                        transfer_id=p.transfer_id,
                        from_user_id=p.from_user_id,
                        reason=INSUFFICIENT_FUNDS,
                    ),
                    cause=event,
                )
                continue
            for entry in moved:
                uow.emit(entry_fact(entry), cause=event)
            uow.emit(
                WalletTransferCompleted(
                    transfer_id=p.transfer_id,
                    from_user_id=p.from_user_id,
                    to_user_id=p.to_user_id,
                    amount_minor=p.amount_minor,
                    currency=p.currency,
                ),
                cause=event,
            )

    accounts = [(e.payload.from_user_id, e.payload.currency) for e in events]
    accounts += [(e.payload.to_user_id, e.payload.currency) for e in events]
    await post(uow, accounts, work)


async def on_debit_requested(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """Take money for a saga (a course purchase), or refuse with the reason."""

    def work(ledger: Ledger) -> None:
        for event in events:
            p = event.payload
            entry = ledger.debit(
                (p.user_id, p.currency),
                p.amount_minor,
                p.purpose,
                p.reference,
                entry_id(event, "debit"),
                event.envelope.occurred_at,
            )
            if entry is None:
                uow.emit(
                    WalletDebitRejected(
                        debit_id=p.debit_id,
                        user_id=p.user_id,
                        reference=p.reference,
                        reason=INSUFFICIENT_FUNDS,
                    ),
                    cause=event,
                )
            else:
                uow.emit(entry_fact(entry), cause=event)

    await post(uow, [(e.payload.user_id, e.payload.currency) for e in events], work)


async def on_refund_rejected(events: Sequence[Event[Any]], uow: UnitOfWork) -> None:
    """Stripe refused a refund the wallet had paid out: put the money back."""
    reversals = [e for e in events if e.payload.reversed_minor > 0 and e.payload.currency]

    def work(ledger: Ledger) -> None:
        for event in reversals:
            p = event.payload
            entry = ledger.credit(
                (p.user_id, p.currency),
                p.reversed_minor,
                "refund_reversal",
                p.payment_id,
                entry_id(event, "credit"),
                event.envelope.occurred_at,
            )
            uow.emit(entry_fact(entry), cause=event)

    await post(uow, [(e.payload.user_id, e.payload.currency) for e in reversals], work)


WALLET = Service(
    name="wallet",
    handlers={
        topics.PAYMENT_SUCCEEDED: on_payment_succeeded,
        topics.WALLET_TRANSFER_REQUESTED: on_transfer_requested,
        topics.WALLET_DEBIT_REQUESTED: on_debit_requested,
        topics.PAYMENT_REFUND_REJECTED: on_refund_rejected,
    },
)
