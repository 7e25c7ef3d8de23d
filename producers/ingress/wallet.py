"""Wallet endpoints: balances, the ledger (newest first, paginated), transfers."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response

from producers.ingress import queries
from producers.ingress.auth import Ctx, CurrentUser
from producers.ingress.bus import derived_id
from producers.ingress.commands import accepted, submit
from producers.ingress.problems import PROBLEM_RESPONSES, Problem
from producers.ingress.query_text import text_query
from schemas.api import (
    BalanceLine,
    Transaction,
    TransactionPage,
    TransferAccepted,
    TransferRequest,
    Wallet,
)
from schemas.wallet import WalletTransferRequested

router = APIRouter(prefix="/v1/wallet", tags=["wallet"], responses=PROBLEM_RESPONSES)

BALANCES = """
SELECT currency, balance_minor FROM read.wallet_balances WHERE user_id = $1 ORDER BY currency
"""
# Keyset pagination: stable under concurrent inserts, no OFFSET scans.
TRANSACTIONS = """
SELECT entry_id, currency, amount_minor, reason, reference, balance_after_minor, at
FROM read.wallet_transactions
WHERE user_id = $1 AND ($2::timestamptz IS NULL OR (at, entry_id) < ($2, $3))
ORDER BY at DESC, entry_id DESC
LIMIT $4
"""


@router.get("", response_model=Wallet)
async def wallet(user: CurrentUser, ctx: Ctx) -> Wallet:
    """The caller's balance in each currency they have used."""
    rows = await queries.fetch_all(ctx, BALANCES, user.user_id)
    return Wallet(balances=[BalanceLine(**dict(row)) for row in rows])


@router.get("/transactions", response_model=TransactionPage)
async def transactions(
    user: CurrentUser,
    ctx: Ctx,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[str | None, text_query(200, "`next` of a page")] = None,
) -> TransactionPage:
    """The caller's ledger entries, newest first."""
    at, entry = _cursor(before) if before else (None, None)
    rows = await queries.fetch_all(ctx, TRANSACTIONS, user.user_id, at, entry, limit + 1)
    items = [Transaction(**dict(row)) for row in rows[:limit]]
    following = _encode(items[-1]) if len(rows) > limit else None
    return TransactionPage(items=items, next=following)


@router.post("/transfers", status_code=202, response_model=TransferAccepted)
async def transfer(
    body: TransferRequest,
    user: CurrentUser,
    ctx: Ctx,
    response: Response,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> dict[str, Any]:
    """Move money to another user; refused (at `status_url`) if the balance does not cover it
    or no user has `to_user_id`."""
    if body.to_user_id == user.user_id:
        raise Problem(
            422,
            "same_wallet",
            "Cannot transfer to yourself",
            "to_user_id is the caller's own account",
        )

    async def build(command_id: uuid.UUID) -> WalletTransferRequested:
        return WalletTransferRequested(
            transfer_id=derived_id(command_id, "transfer"),
            from_user_id=user.user_id,
            to_user_id=body.to_user_id,
            amount_minor=body.amount_minor,
            currency=body.currency,
        )

    command_id = await submit(
        ctx,
        route="wallet.transfer",
        actor=str(user.user_id),
        request=body,
        idempotency_key=idempotency_key,
        build=build,
    )
    return accepted(response, command_id, transfer_id=derived_id(command_id, "transfer"))


def _encode(item: Transaction) -> str:
    return base64.urlsafe_b64encode(f"{item.at.isoformat()}|{item.entry_id}".encode()).decode()


def _cursor(token: str) -> tuple[datetime, uuid.UUID]:
    try:
        at, entry = base64.urlsafe_b64decode(token.encode()).decode().split("|")
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError("a cursor's time is always in UTC")
        # In UTC, as Postgres takes it: a time whose UTC is outside the years 1-9999
        # would fail the query (a 500), so it fails here.
        return moment.astimezone(UTC), uuid.UUID(entry)
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError) as exc:
        raise Problem(
            422,
            "invalid_cursor",
            "Invalid cursor",
            "pass the `next` value of a previous page as `before`",
        ) from exc
