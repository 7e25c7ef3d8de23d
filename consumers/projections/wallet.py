"""The wallet projection: `read.wallet_balances` and `read.wallet_transactions`.

Credits and debits travel on two topics, so they may be applied out of order: a balance
row only moves forward in `balance_version`, and entries are inserted if absent.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from azora.consume.service import service, subscribe
from azora.consume.unit_of_work import UnitOfWork
from azora.messages import Event
from schemas import catalogue as topics
from schemas.wallet import WalletCredited, WalletDebited

INSERT_ENTRIES = """
INSERT INTO wallet_transactions
    (entry_id, user_id, currency, amount_minor, reason, reference, balance_after_minor, at)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bigint[], $5::text[], $6::uuid[],
                     $7::bigint[], $8::timestamptz[])
ON CONFLICT DO NOTHING
"""
ADVANCE_BALANCES = """
INSERT INTO wallet_balances (user_id, currency, balance_minor, version)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[])
ON CONFLICT (user_id, currency) DO UPDATE
SET balance_minor = EXCLUDED.balance_minor, version = EXCLUDED.version
WHERE wallet_balances.version < EXCLUDED.version
"""


async def on_entry(
    events: Sequence[Event[WalletCredited | WalletDebited]], uow: UnitOfWork
) -> None:
    """Record each entry, and move each wallet's balance to its newest version."""
    sign = -1 if events[0].spec is topics.WALLET_DEBITED else 1
    entries = [e.payload for e in events]
    await uow.conn.execute(
        INSERT_ENTRIES,
        [p.entry_id for p in entries],
        [p.user_id for p in entries],
        [p.currency for p in entries],
        [sign * p.amount_minor for p in entries],
        [p.reason for p in entries],
        [p.reference for p in entries],
        [p.balance_after_minor for p in entries],
        [p.at for p in entries],
    )
    newest: dict[tuple[uuid.UUID, str], WalletCredited | WalletDebited] = {}
    for p in entries:
        seen = newest.get((p.user_id, p.currency))
        if seen is None or p.balance_version > seen.balance_version:
            newest[(p.user_id, p.currency)] = p
    await uow.conn.execute(
        ADVANCE_BALANCES,
        [p.user_id for p in newest.values()],
        [p.currency for p in newest.values()],
        [p.balance_after_minor for p in newest.values()],
        [p.balance_version for p in newest.values()],
    )


# Entries are immutable facts; balances only move forward by version.
WALLET_VIEWS = service(
    "wallet_views",
    subscribe(topics.WALLET_CREDITED, on_entry, replay_safe=True),
    subscribe(topics.WALLET_DEBITED, on_entry, replay_safe=True),
    tables=("wallet_balances", "wallet_transactions"),
)
