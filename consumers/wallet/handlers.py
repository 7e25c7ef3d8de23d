"""The wallet's handlers: credits, debits and transfers posted to its ledger.

Each handler locks the batch's wallets (in a fixed order, so concurrent batches never
deadlock), applies the batch in order to an in-memory `Ledger`, and writes the entries
and balances back with set-based statements, in the consume loop's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from consumers.wallet import sql
from consumers.wallet.rules import (
    INSUFFICIENT_FUNDS,
    UNKNOWN_RECIPIENT,
    Account,
    Balance,
    Ledger,
    entry_fact,
    entry_id,
)
from schemas.oidc import UserRegisteredWithProvider, UserRegisteredWithProviderV2
from schemas.payments import PaymentRefundRejected, PaymentSucceeded
from schemas.registration import UserRegistered, UserRegisteredV2, UserRegisteredV3
from schemas.wallet import (
    WalletDebitRejected,
    WalletDebitRequested,
    WalletTransferCompleted,
    WalletTransferRejected,
    WalletTransferRequested,
)


async def post(
    uow: UnitOfWork, accounts: Iterable[Account], work: Callable[[Ledger], None]
) -> None:
    """Lock `accounts`, let `work` post to a ledger over them, and write what it posted."""
    wanted = sorted(set(accounts))
    users = [user for user, _ in wanted]
    currencies = [currency for _, currency in wanted]
    await uow.conn.execute(sql.ENSURE, users, currencies)
    rows = await uow.conn.fetch(sql.LOCK, users, currencies)
    ledger = Ledger(
        {(r["user_id"], r["currency"]): Balance(r["balance_minor"], r["version"]) for r in rows}
    )
    work(ledger)
    if not ledger.entries:
        return
    entries = ledger.entries
    await uow.conn.execute(
        sql.POST_ENTRIES,
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
        sql.SAVE_BALANCES,
        [user for user, _ in touched],
        [currency for _, currency in touched],
        [b.minor for b in touched.values()],
        [b.version for b in touched.values()],
    )


async def on_payment_succeeded(events: Sequence[Event[PaymentSucceeded]], uow: UnitOfWork) -> None:
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
                entry_id(event.envelope.event_id, "credit"),
                p.succeeded_at,
            )
            uow.emit(entry_fact(entry), cause=event)

    await post(uow, [(e.payload.user_id, e.payload.currency) for e in top_ups], work)


async def on_user_registered(
    events: Sequence[
        Event[
            UserRegistered
            | UserRegisteredV2
            | UserRegisteredV3
            | UserRegisteredWithProvider
            | UserRegisteredWithProviderV2
        ]
    ],
    uow: UnitOfWork,
) -> None:
    """Remember who exists (with a password or through a provider), so money is only ever
    transferred to a user."""
    await uow.conn.execute(
        sql.KNOW_USERS,
        [e.payload.user_id for e in events],
        [e.payload.registered_at for e in events],
    )


async def on_transfer_requested(
    events: Sequence[Event[WalletTransferRequested]], uow: UnitOfWork
) -> None:
    """Move money between two wallets, or refuse with the reason (nothing moves then)."""
    rows = await uow.conn.fetch(sql.KNOWN_USERS, list({e.payload.to_user_id for e in events}))
    known = {row["user_id"] for row in rows}
    # A transfer to nobody is refused before anything is debited: money sent to a wallet
    # nobody owns would be lost.
    unknown = [e for e in events if e.payload.to_user_id not in known]
    for event in unknown:
        uow.emit(
            WalletTransferRejected(
                transfer_id=event.payload.transfer_id,
                from_user_id=event.payload.from_user_id,
                reason=UNKNOWN_RECIPIENT,
            ),
            cause=event,
        )
    transfers = [e for e in events if e.payload.to_user_id in known]

    def work(ledger: Ledger) -> None:
        for event in transfers:
            p = event.payload
            moved = ledger.transfer(
                (p.from_user_id, p.currency),
                (p.to_user_id, p.currency),
                p.amount_minor,
                p.transfer_id,
                (
                    entry_id(event.envelope.event_id, "debit"),
                    entry_id(event.envelope.event_id, "credit"),
                ),
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

    accounts = [(e.payload.from_user_id, e.payload.currency) for e in transfers]
    accounts += [(e.payload.to_user_id, e.payload.currency) for e in transfers]
    await post(uow, accounts, work)


async def on_debit_requested(
    events: Sequence[Event[WalletDebitRequested]], uow: UnitOfWork
) -> None:
    """Take money for a saga (a course purchase), or refuse with the reason."""

    def work(ledger: Ledger) -> None:
        for event in events:
            p = event.payload
            entry = ledger.debit(
                (p.user_id, p.currency),
                p.amount_minor,
                p.purpose,
                p.reference,
                entry_id(event.envelope.event_id, "debit"),
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


async def on_refund_rejected(
    events: Sequence[Event[PaymentRefundRejected]], uow: UnitOfWork
) -> None:
    """Stripe refused a refund the wallet had paid out: put the money back."""
    # Only a refusal after the wallet paid out names a currency and an amount to reverse.
    reversals = [
        (e, (e.payload.user_id, e.payload.currency))
        for e in events
        if e.payload.reversed_minor > 0 and e.payload.currency
    ]

    def work(ledger: Ledger) -> None:
        for event, account in reversals:
            p = event.payload
            entry = ledger.credit(
                account,
                p.reversed_minor,
                "refund_reversal",
                p.payment_id,
                entry_id(event.envelope.event_id, "credit"),
                event.envelope.occurred_at,
            )
            uow.emit(entry_fact(entry), cause=event)

    await post(uow, [account for _, account in reversals], work)
