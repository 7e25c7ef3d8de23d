"""The wallet's rules as a pure in-memory ledger over the balances a batch has locked."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from azora.ids import name_uuid
from schemas.wallet import WalletCredited, WalletDebited

INSUFFICIENT_FUNDS = "insufficient funds"
UNKNOWN_RECIPIENT = "unknown recipient: no user has this id"

Account = tuple[uuid.UUID, str]  # (user_id, currency)


@dataclass(frozen=True)
class Entry:
    """One ledger line: signed amount, what it was for, and the balance it left."""

    entry_id: uuid.UUID
    user_id: uuid.UUID
    currency: str
    amount_minor: int  # positive credits, negative debits
    reason: str
    reference: uuid.UUID
    balance_after_minor: int
    balance_version: int
    at: datetime


@dataclass
class Balance:
    """A wallet's balance and how many entries produced it."""

    minor: int = 0
    version: int = 0


@dataclass
class Ledger:
    """Applies credits, debits and transfers in order; a balance never goes below zero."""

    balances: dict[Account, Balance]
    entries: list[Entry] = field(default_factory=list)

    def credit(
        self,
        account: Account,
        amount: int,
        reason: str,
        reference: uuid.UUID,
        entry_id: uuid.UUID,
        at: datetime,
    ) -> Entry:
        """Add `amount` to `account`."""
        return self._post(account, amount, reason, reference, entry_id, at)

    def debit(
        self,
        account: Account,
        amount: int,
        reason: str,
        reference: uuid.UUID,
        entry_id: uuid.UUID,
        at: datetime,
    ) -> Entry | None:
        """Take `amount` from `account` if it is there; None (and no entry) if not."""
        if self.balances.setdefault(account, Balance()).minor < amount:
            return None
        return self._post(account, -amount, reason, reference, entry_id, at)

    def transfer(
        self,
        source: Account,
        target: Account,
        amount: int,
        reference: uuid.UUID,
        entry_ids: tuple[uuid.UUID, uuid.UUID],
        at: datetime,
    ) -> tuple[Entry, Entry] | None:
        """Move `amount` from `source` to `target`, both entries or neither."""
        out = self.debit(source, amount, "transfer_out", reference, entry_ids[0], at)
        if out is None:
            return None
        return out, self.credit(target, amount, "transfer_in", reference, entry_ids[1], at)

    def _post(
        self,
        account: Account,
        signed: int,
        reason: str,
        reference: uuid.UUID,
        entry_id: uuid.UUID,
        at: datetime,
    ) -> Entry:
        balance = self.balances.setdefault(account, Balance())
        balance.minor += signed
        balance.version += 1
        entry = Entry(
            entry_id,
            account[0],
            account[1],
            signed,
            reason,
            reference,
            balance.minor,
            balance.version,
            at,
        )
        self.entries.append(entry)
        return entry


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


def entry_id(cause_id: uuid.UUID, side: str) -> uuid.UUID:
    """A ledger entry's id, derived from its cause's event id: a repeat posts nothing new."""
    return name_uuid(cause_id, f"wallet-entry:{side}")
