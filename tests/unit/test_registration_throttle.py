"""Registrations are throttled per client address and in all, before argon2 runs."""

from __future__ import annotations

import uuid

import pytest
from argon2 import PasswordHasher

from producers.ingress.context import IngressContext
from producers.ingress.passwords import Passwords
from producers.ingress.throttle import RegistrationThrottle, RegistrationThrottled
from tests.support.ingress_app import RecordingTransport, in_memory_app
from tests.unit.test_ingress import SECRET
from tests.unit.test_login_throttle import Clock


class CountingPasswords(Passwords):
    """Cheap hashing that counts how often it ran."""

    def __init__(self) -> None:
        super().__init__(PasswordHasher(time_cost=1, memory_cost=8192))
        self.hashed = 0

    async def hash(self, password: str) -> str:
        self.hashed += 1
        return await super().hash(password)


def test_an_address_past_its_allowance_waits_until_its_oldest_registration_leaves_the_window() -> (
    None
):
    clock = Clock()
    throttle = RegistrationThrottle(max_per_address=3, window_s=3600, per_second=100, clock=clock)
    for _ in range(3):
        throttle.admit("203.0.113.7")
    with pytest.raises(RegistrationThrottled) as refused:
        throttle.admit("203.0.113.7")
    assert refused.value.retry_after_s == 3600
    throttle.admit("203.0.113.8")  # another address is not held back
    clock.advance(3600)
    throttle.admit("203.0.113.7")


def test_everyone_together_is_held_to_the_global_rate() -> None:
    clock = Clock()
    throttle = RegistrationThrottle(max_per_address=100, per_second=2, burst=4, clock=clock)
    for n in range(4):
        throttle.admit(f"198.51.100.{n}")
    with pytest.raises(RegistrationThrottled) as refused:
        throttle.admit("198.51.100.9")
    assert refused.value.retry_after_s == 1
    clock.advance(0.5)  # one token back at 2 a second
    throttle.admit("198.51.100.9")


def test_a_throttled_registration_is_429_with_retry_after_and_never_hashes_its_password() -> None:
    from fastapi.testclient import TestClient

    app = in_memory_app(RecordingTransport(), SECRET)
    ctx: IngressContext = app.state.ctx
    passwords = CountingPasswords()
    ctx.passwords = passwords
    ctx.registrations = RegistrationThrottle(max_per_address=2, per_second=100)
    client = TestClient(app, raise_server_exceptions=False)
    answers = [
        client.post(
            "/v1/auth/register",
            json={
                "email": f"r-{uuid.uuid4().hex[:8]}@example.org",
                "password": "a sturdy passphrase 42",
                "display_name": "Ada",
            },
        )
        for _ in range(4)
    ]
    assert [a.status_code for a in answers] == [202, 202, 429, 429]
    assert answers[2].json()["type"] == "/problems/registration_throttled"
    assert int(answers[2].headers["Retry-After"]) >= 1
    assert passwords.hashed == 2
