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


def test_the_sync_client_asks_the_tutor_plans_a_path_and_sets_up_mfa(stack: str) -> None:
    email = an_email()
    with AzoraClient(stack) as azora:
        azora.wait(azora.register(email, PASSWORD, "Grace"))
        azora.login(email, PASSWORD)
        asked = azora.ask_tutor("What is a consumer group?")
        assert azora.wait(asked).status == "succeeded"
        assert azora.tutor_question(asked.question_id).answer
        planned = azora.request_learning_path("Kafka", "beginner", ["run a broker"])
        assert azora.wait(planned).status == "succeeded"
        assert azora.learning_path(planned.path_id).steps
        setup = azora.mfa_setup()
        assert setup.otpauth_uri.startswith("otpauth://totp/")
        assert azora.readiness()["status"] == "ready"
        with pytest.raises(AzoraError) as not_admin:
            azora.dead_letters()
        assert not_admin.value.status == 403
        azora.logout()
        assert azora.token is None
