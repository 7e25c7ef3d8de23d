"""The two clients: the same calls (`stack.client.calls`) over httpx, blocking or async."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from schemas import api
from stack.client import calls
from stack.client.calls import Call

M = TypeVar("M", bound=BaseModel)
Command = api.Accepted | uuid.UUID | str


class AzoraError(Exception):
    """An error answer: its status and, when the server sent one, its problem document."""

    def __init__(self, status: int, problem: api.ProblemDocument | None, text: str) -> None:
        super().__init__(f"{status}: {problem.title if problem else text[:200]}")
        self.status = status
        self.problem = problem


def _headers(token: str | None, call: Call[Any]) -> dict[str, str]:
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if call.idempotency_key:
        headers["Idempotency-Key"] = call.idempotency_key
    return headers


def _read(call: Call[M], response: httpx.Response) -> M | None:
    if response.status_code >= 400:
        try:
            problem: api.ProblemDocument | None = api.ProblemDocument.model_validate_json(
                response.content
            )
        except ValidationError:
            problem = None
        raise AzoraError(response.status_code, problem, response.text)
    if call.answer is None:
        return None
    return call.answer.model_validate_json(response.content)


def _id(command: Command) -> str:
    return str(command.command_id if isinstance(command, api.Accepted) else command)


class _Api:
    """What both clients share: the token, and the answer-reading rules."""

    token: str | None = None

    def _request(self, call: Call[Any]) -> dict[str, Any]:
        """The httpx request arguments for `call` (the same for both clients)."""
        return {
            "method": call.method,
            "url": call.path,
            "json": call.json,
            "params": call.params,
            "headers": _headers(self.token, call),
            "timeout": call.timeout if call.timeout is not None else httpx.USE_CLIENT_DEFAULT,
        }

    def _remember(self, tokens: api.Tokens) -> api.Tokens:
        self.token = tokens.access_token
        self.refresh_token = tokens.refresh_token
        return tokens


class AzoraClient(_Api):
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

    def run(self, call: Call[M]) -> M:
        """Send one described call and read its answer."""
        answer = self._send(call)
        assert answer is not None, f"{call.path} answers no body"
        return answer

    def _send(self, call: Call[M]) -> M | None:
        return _read(call, self._http.request(**self._request(call)))

    def register(
        self, email: str, password: str, display_name: str, *, idempotency_key: str | None = None
    ) -> api.RegistrationAccepted:
        """Ask for an account."""
        return self.run(calls.register(email, password, display_name, idempotency_key))

    def wait(self, command: Command, seconds: float = 10.0) -> api.CommandStatus:
        """A command's status, held until it settles (or `seconds` pass)."""
        return self.run(calls.command(_id(command), seconds))

    def login(self, email: str, password: str, totp_code: str | None = None) -> api.Tokens:
        """Log in, and use the access token from now on."""
        return self._remember(self.run(calls.login(email, password, totp_code)))

    def refresh(self) -> api.Tokens:
        """Rotate the tokens."""
        return self._remember(self.run(calls.refresh(self.refresh_token)))

    def logout(self) -> None:
        """End the session."""
        self._send(calls.logout(self.refresh_token))

    def me(self) -> api.Me:
        """The caller's profile."""
        return self.run(calls.me())

    def courses(
        self,
        *,
        category: str | None = None,
        level: str | None = None,
        q: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> api.CoursePage:
        """Published courses."""
        return self.run(calls.courses(category, level, q, limit, offset))

    def course(self, course_id: uuid.UUID | str) -> api.Course:
        """One course with its modules and lessons."""
        return self.run(calls.course(course_id))

    def publish_course(
        self, course: api.CourseRequest | dict[str, Any], *, idempotency_key: str | None = None
    ) -> api.CourseAccepted:
        """Publish a course (instructors)."""
        return self.run(calls.publish_course(course, idempotency_key))

    def enrol(
        self,
        course_id: uuid.UUID | str,
        *,
        pay_with: str = "wallet",
        idempotency_key: str | None = None,
    ) -> api.EnrollmentAccepted:
        """Enrol in a course."""
        return self.run(calls.enrol(course_id, pay_with, idempotency_key))

    def enrollments(self) -> api.Enrollments:
        """The caller's enrolments."""
        return self.run(calls.enrollments())

    def complete_lesson(
        self,
        course_id: uuid.UUID | str,
        lesson_id: uuid.UUID | str,
        *,
        idempotency_key: str | None = None,
    ) -> api.Accepted:
        """Record a finished lesson."""
        return self.run(calls.complete_lesson(course_id, lesson_id, idempotency_key))

    def pay(
        self,
        amount_minor: int,
        currency: str,
        purpose: str,
        *,
        course_id: uuid.UUID | str | None = None,
        idempotency_key: str | None = None,
    ) -> api.PaymentAccepted:
        """Start a card payment."""
        return self.run(calls.pay(amount_minor, currency, purpose, course_id, idempotency_key))

    def payment(self, payment_id: uuid.UUID | str) -> api.Payment:
        """One of the caller's payments."""
        return self.run(calls.payment(payment_id))

    def refund(
        self, payment_id: uuid.UUID | str, *, idempotency_key: str | None = None
    ) -> api.Accepted:
        """Refund a succeeded payment."""
        return self.run(calls.refund(payment_id, idempotency_key))

    def wallet(self) -> api.Wallet:
        """The caller's balances."""
        return self.run(calls.wallet())

    def transactions(self, *, limit: int = 50, before: str | None = None) -> api.TransactionPage:
        """The caller's ledger, newest first."""
        return self.run(calls.transactions(limit, before))

    def transfer(
        self,
        to_user_id: uuid.UUID | str,
        amount_minor: int,
        currency: str,
        *,
        idempotency_key: str | None = None,
    ) -> api.TransferAccepted:
        """Move money to another user."""
        return self.run(calls.transfer(to_user_id, amount_minor, currency, idempotency_key))


class AsyncAzoraClient(_Api):
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
        return _read(call, await self._http.request(**self._request(call)))

    async def register(
        self, email: str, password: str, display_name: str, *, idempotency_key: str | None = None
    ) -> api.RegistrationAccepted:
        """Ask for an account."""
        return await self.run(calls.register(email, password, display_name, idempotency_key))

    async def wait(self, command: Command, seconds: float = 10.0) -> api.CommandStatus:
        """A command's status, held until it settles (or `seconds` pass)."""
        return await self.run(calls.command(_id(command), seconds))

    async def login(self, email: str, password: str, totp_code: str | None = None) -> api.Tokens:
        """Log in, and use the access token from now on."""
        return self._remember(await self.run(calls.login(email, password, totp_code)))

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
