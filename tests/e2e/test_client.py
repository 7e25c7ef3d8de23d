"""The typed client against the running stack: the same flows a frontend or script runs."""

from __future__ import annotations

import asyncio

import pytest

from stack.client import AsyncAzoraClient, AzoraClient, AzoraError
from tests.e2e.helpers import (
    PASSWORD,
    an_email,
)

pytestmark = pytest.mark.e2e


def test_the_sync_client_registers_logs_in_and_reads(stack: str) -> None:
    email = an_email()
    with AzoraClient(stack) as azora:
        accepted = azora.register(email, PASSWORD, "Grace")
        assert azora.wait(accepted).status == "succeeded"
        azora.login(email, PASSWORD)
        assert azora.me().user_id == accepted.user_id
        assert azora.wallet().balances == []
        assert azora.enrollments().items == []
        assert azora.transactions().next is None
        azora.refresh()
        assert azora.me().email == email
        with pytest.raises(AzoraError) as same_wallet:
            azora.transfer(accepted.user_id, 100, "EUR")
        assert same_wallet.value.status == 422


async def test_the_async_client_does_the_same(stack: str) -> None:
    email = an_email()
    async with AsyncAzoraClient(stack) as azora:
        accepted = await azora.register(email, PASSWORD, "Grace")
        assert (await azora.wait(accepted)).status == "succeeded"
        await azora.login(email, PASSWORD)
        me, wallet = await asyncio.gather(azora.me(), azora.wallet())
        assert me.email == email
        assert wallet.balances == []
