"""The two clients: the same calls (`stack.client.calls`) over httpx, blocking or async.

`AzoraClient` has a method for every operation of the API (`stack.client.methods`);
`AsyncAzoraClient` has the common ones, and `run(calls.x(...))` reaches any other.
"""

from __future__ import annotations

import uuid

import httpx

import stack.client.calls as calls
from schemas import api
from stack.client.base import Api, AzoraError, Command, M, command_id_of, read
from stack.client.calls import Call
from stack.client.methods.accounts import AccountMethods
from stack.client.methods.learning import LearningMethods
from stack.client.methods.money import MoneyMethods

__all__ = ["AsyncAzoraClient", "AzoraClient", "AzoraError"]


class AzoraClient(AccountMethods, LearningMethods, MoneyMethods):
    """A blocking client; `login` keeps the access token for the calls after it."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=timeout, transport=transport)
        self.token = token

    def __enter__(self) -> AzoraClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()


class AsyncAzoraClient(Api):
    """The same calls for asyncio; `run(calls.x(...))` reaches any of them."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)
        self.token = token

    async def __aenter__(self) -> AsyncAzoraClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def run(self, call: Call[M]) -> M:
        """Send one described call and read its answer."""
        answer = await self._send(call)
        assert answer is not None, f"{call.path} answers no body"
        return answer

    async def _send(self, call: Call[M]) -> M | None:
        return read(call, await self._http.request(**self._request(call)))

    async def register(
        self, email: str, password: str, display_name: str, *, idempotency_key: str | None = None
    ) -> api.RegistrationAccepted:
        """Ask for an account."""
        return await self.run(calls.register(email, password, display_name, idempotency_key))

    async def wait(self, command: Command, seconds: float = 10.0) -> api.CommandStatus:
        """A command's status, held until it settles (or `seconds` pass)."""
        return await self.run(calls.command(command_id_of(command), seconds))

    async def login(self, email: str, password: str, totp_code: str | None = None) -> api.Tokens:
        """Log in, and use the access token from now on."""
        return self._remember(await self.run(calls.login(email, password, totp_code)))

    async def refresh(self) -> api.Tokens:
        """Rotate the tokens."""
        return self._remember(await self.run(calls.refresh(self._refresh_token())))

    async def me(self) -> api.Me:
        """The caller's profile."""
        return await self.run(calls.me())

    async def wallet(self) -> api.Wallet:
        """The caller's balances."""
        return await self.run(calls.wallet())

    async def transfer(
        self,
        to_user_id: uuid.UUID | str,
        amount_minor: int,
        currency: str,
        *,
        idempotency_key: str | None = None,
    ) -> api.TransferAccepted:
        """Move money to another user."""
        return await self.run(calls.transfer(to_user_id, amount_minor, currency, idempotency_key))
