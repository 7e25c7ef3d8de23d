"""Wallet and payment facts the wallet consumes: an append-only ledger per user and currency."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from schemas.base import ContractModel, Extensible
from schemas.money import AmountMinor, BalanceMinor, Currency
from schemas.topic import TopicSpec, command, event


class WalletTransferRequested(ContractModel):
    """Command: move money from one user's wallet to another's, all or nothing."""

    transfer_id: uuid.UUID
    from_user_id: uuid.UUID
    to_user_id: uuid.UUID
    amount_minor: AmountMinor
    currency: Currency


class WalletDebitRequested(ContractModel):
    """Command (from a saga, e.g. a course bought with the wallet): take money if it is there."""

    debit_id: uuid.UUID
    user_id: uuid.UUID
    amount_minor: AmountMinor
    currency: Currency
    purpose: Literal["course_purchase", "refund"]
    reference: uuid.UUID


class _Entry(ContractModel):
    """A ledger entry as an event; `balance_version` orders a wallet's entries."""

    entry_id: uuid.UUID
    user_id: uuid.UUID
    amount_minor: AmountMinor
    currency: Currency
    reference: uuid.UUID
    balance_after_minor: BalanceMinor
    balance_version: int = Field(ge=1)
    at: AwareDatetime


class WalletCredited(_Entry):
    """Fact: a ledger entry added money to a wallet."""

    reason: Annotated[Literal["top_up", "transfer_in", "refund_reversal"], *Extensible]


class WalletDebited(_Entry):
    """Fact: a ledger entry took money; the balance never goes below zero."""

    reason: Annotated[Literal["transfer_out", "course_purchase", "refund"], *Extensible]


class WalletTransferCompleted(ContractModel):
    """Fact: a transfer's debit and credit were written in one transaction."""

    transfer_id: uuid.UUID
    from_user_id: uuid.UUID
    to_user_id: uuid.UUID
    amount_minor: AmountMinor
    currency: Currency


class WalletTransferRejected(ContractModel):
    """Fact: a transfer was refused (insufficient funds, unknown recipient); nothing moved."""

    transfer_id: uuid.UUID
    from_user_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=500)


class WalletDebitRejected(ContractModel):
    """Fact: a debit was refused (insufficient funds), and nothing moved."""

    debit_id: uuid.UUID
    user_id: uuid.UUID
    reference: uuid.UUID
    reason: str = Field(min_length=1, max_length=500)


# The topics these models travel on, in the order the catalogue lists them.

WALLET_TRANSFER_REQUESTED = command(
    "wallet.transfer_requested",
    WalletTransferRequested,
    key="from_user_id",
    description="A user asked to move money to another user's wallet.",
)
WALLET_DEBIT_REQUESTED = command(
    "wallet.debit_requested",
    WalletDebitRequested,
    key="user_id",
    description="A saga asked to take money from a wallet (a course bought with it).",
    tracked=False,
)
WALLET_CREDITED = event(
    "wallet.credited",
    WalletCredited,
    key="user_id",
    description="A ledger entry added money to a wallet.",
)
WALLET_DEBITED = event(
    "wallet.debited",
    WalletDebited,
    key="user_id",
    description="A ledger entry took money from a wallet.",
)
WALLET_TRANSFER_COMPLETED = event(
    "wallet.transfer_completed",
    WalletTransferCompleted,
    key="from_user_id",
    description="A transfer's debit and credit were written together.",
    settles="succeeded",
)
WALLET_TRANSFER_REJECTED = event(
    "wallet.transfer_rejected",
    WalletTransferRejected,
    key="from_user_id",
    description="A transfer was refused, with the reason; nothing moved.",
    settles="rejected",
)
WALLET_DEBIT_REJECTED = event(
    "wallet.debit_rejected",
    WalletDebitRejected,
    key="user_id",
    description="A debit was refused, with the reason; nothing moved.",
)

TOPICS: tuple[TopicSpec, ...] = (
    WALLET_TRANSFER_REQUESTED,
    WALLET_DEBIT_REQUESTED,
    WALLET_CREDITED,
    WALLET_DEBITED,
    WALLET_TRANSFER_COMPLETED,
    WALLET_TRANSFER_REJECTED,
    WALLET_DEBIT_REJECTED,
)
