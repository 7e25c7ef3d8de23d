"""After the storm: what must hold, counted from the database and the broker."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field

import asyncpg

from tests.support.world import World


@dataclass
class Findings:
    """The counts a chaos run prints, and the violations it found (none, we hope)."""

    counts: dict[str, object] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    def require(self, holds: bool, what: str) -> None:
        if not holds:
            self.violations.append(what)


async def final_statuses(
    db: asyncpg.Connection, accepted: dict[uuid.UUID, str]
) -> dict[uuid.UUID, str]:
    rows = await db.fetch(
        "SELECT command_id, status FROM read.command_status WHERE command_id = ANY($1::uuid[])",
        list(accepted),
    )
    return {row["command_id"]: row["status"] for row in rows}


async def check(
    db: asyncpg.Connection,
    world: World,
    accepted: dict[uuid.UUID, str],
    top_ups_confirmed_minor: int,
) -> Findings:
    found = Findings()
    statuses = await final_statuses(db, accepted)
    by_outcome = Counter(statuses.get(command, "missing") for command in accepted)
    found.counts["commands accepted"] = len(accepted)
    found.counts["accepted by kind"] = dict(Counter(accepted.values()))
    found.counts["final statuses"] = dict(by_outcome)
    found.require(
        set(by_outcome) <= {"succeeded", "rejected"},
        f"commands without exactly one final status: {dict(by_outcome)}",
    )

    # Read models: every row once.
    users = await db.fetchval("SELECT count(*) FROM read.users")
    emails = await db.fetchval("SELECT count(DISTINCT email) FROM read.users")
    registered = sum(
        1
        for command, kind in accepted.items()
        if kind == "register" and statuses.get(command) == "succeeded"
    )
    found.counts["users"] = users
    found.require(
        users == emails == registered,
        f"users {users}, emails {emails}, registrations that succeeded {registered}",
    )
    ledger = await db.fetchval("SELECT count(*) FROM wallet.ledger")
    projected = await db.fetchval(
        "SELECT count(*) FROM read.wallet_transactions t JOIN wallet.ledger l USING (entry_id)"
    )
    transactions = await db.fetchval("SELECT count(*) FROM read.wallet_transactions")
    found.counts["ledger entries"] = ledger
    found.require(
        ledger == projected == transactions,
        f"ledger {ledger} vs projected transactions {transactions} ({projected} matching)",
    )
    repeated = await db.fetchval(
        "SELECT count(*) FROM (SELECT 1 FROM wallet.ledger GROUP BY user_id, reason, reference "
        "HAVING count(*) > 1) AS twice"
    )
    found.require(repeated == 0, f"{repeated} ledger effects applied twice")

    # Money: balances are their ledgers; nothing created or lost.
    mismatched = await db.fetchval(
        """
        SELECT count(*) FROM (
            SELECT b.user_id, b.currency, b.balance_minor,
                   COALESCE(sum(l.amount_minor), 0) AS ledger,
                   r.balance_minor AS shown
            FROM wallet.balances b
            LEFT JOIN wallet.ledger l USING (user_id, currency)
            LEFT JOIN read.wallet_balances r USING (user_id, currency)
            GROUP BY b.user_id, b.currency, b.balance_minor, r.balance_minor
        ) AS w
        WHERE balance_minor <> ledger OR shown IS DISTINCT FROM balance_minor
        """
    )
    found.require(mismatched == 0, f"{mismatched} wallets whose balance is not their ledger")
    below_zero = await db.fetchval(
        "SELECT count(*) FROM wallet.ledger WHERE balance_after_minor < 0"
    )
    found.counts["ledger entries leaving a wallet below zero"] = below_zero
    found.require(below_zero == 0, f"{below_zero} ledger entries left a wallet below zero")
    by_reason = {
        row["reason"]: row["total"]
        for row in await db.fetch(
            "SELECT reason, sum(amount_minor) AS total FROM wallet.ledger GROUP BY reason"
        )
    }
    total = await db.fetchval("SELECT COALESCE(sum(balance_minor), 0) FROM wallet.balances")
    paid = await db.fetchval(
        "SELECT COALESCE(sum(amount_minor), 0) FROM read.payments "
        "WHERE status = 'succeeded' AND purpose = 'wallet_top_up'"
    )
    purchases = await db.fetchval(
        """
        SELECT COALESCE(sum(c.price_minor), 0) FROM read.enrollments e
        JOIN read.courses c USING (course_id)
        WHERE e.status = 'confirmed' AND c.price_minor > 0
        """
    )
    found.counts["money in (top-ups confirmed by webhook)"] = top_ups_confirmed_minor
    found.counts["ledger by reason"] = by_reason
    found.counts["money in wallets"] = total
    found.require(
        by_reason.get("top_up", 0) == paid == top_ups_confirmed_minor,
        f"credited {by_reason.get('top_up', 0)}, succeeded top-ups {paid}, "
        f"confirmed by webhooks {top_ups_confirmed_minor}",
    )
    found.require(
        by_reason.get("transfer_in", 0) + by_reason.get("transfer_out", 0) == 0,
        "transfers created or destroyed money",
    )
    found.require(
        -by_reason.get("course_purchase", 0) == purchases,
        f"debited {-by_reason.get('course_purchase', 0)} for paid enrolments worth {purchases}",
    )
    found.require(total == sum(by_reason.values()), "balances do not add up to the ledger")

    # Nothing was dead-lettered (no poison was injected).
    dead = 0
    for topic in world.names.all_physical():
        if topic.endswith(".dlq"):
            dead += len(await world.read_all(topic))
    found.counts["dead letters"] = dead
    found.require(dead == 0, f"{dead} dead letters")
    return found
