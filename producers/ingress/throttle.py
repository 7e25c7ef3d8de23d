"""Login and registration throttling: failed logins lock the account, and the client
address, for a while; registrations are limited per address and in all.

Why in-process, per ingress replica: the ingress writes nothing to Postgres by design, and
recording failures as events (`user.login_failed` projected into a read model) would lag the
broker by milliseconds, so a parallel burst would pass the limit anyway, and it would let
anyone publish events keyed by emails of their choosing. A counter in memory is exact for
its replica and costs nothing; with N replicas behind a load balancer an attacker gets at
most N times the limit per window, and a restart forgets the counts. Both are documented.

Attempts still in flight (their password being hashed) count toward the limit, so a burst
of parallel guesses cannot all pass the check before the first of them has failed. A locked
key is refused before the password is checked at all, so guessing on during a lockout
learns nothing, and the refusal is the same whether or not the account exists.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

# Idle entries (nothing in the window, not locked, nothing in flight) are swept this often.
_SWEEP_EVERY = 1024


class LoginLocked(Exception):
    """Too many failed logins: try again in `retry_after_s` seconds."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"locked for {retry_after_s} s")
        self.retry_after_s = retry_after_s


@dataclass
class _Tally:
    failures: deque[float] = field(default_factory=deque)
    in_flight: int = 0
    locked_until: float = 0.0

    def idle(self, now: float) -> bool:
        return not self.failures and not self.in_flight and self.locked_until <= now


@dataclass(frozen=True)
class _Limit:
    max_failures: int
    window_s: float
    lockout_s: float


class LoginAttempt:
    """One login attempt in flight; settle it with `failed()` or `succeeded()` (else: neither)."""

    def __init__(self, throttle: LoginThrottle, account: str, address: str) -> None:
        self._throttle = throttle
        self._account = account
        self._address = address
        self._settled = False

    def failed(self) -> None:
        """The credentials (or the TOTP code) were wrong: the failure stands."""
        self._settle(failed=True)

    def succeeded(self) -> None:
        """The credentials were right: the account's count starts again (the address's does not,
        or one valid account would let its owner reset the address between guesses)."""
        self._settle(failed=False, reset_account=True)

    def abandoned(self) -> None:
        """Neither verdict (an MFA code missing, a dependency down): only the attempt ends."""
        self._settle(failed=False)

    def _settle(self, *, failed: bool, reset_account: bool = False) -> None:
        if self._settled:
            return
        self._settled = True
        self._throttle._settle(self._account, self._address, failed, reset_account)


class LoginThrottle:
    """Failed-login counts per account (email) and per client address, with lockouts."""

    def __init__(
        self,
        *,
        max_failures: int = 5,
        window_s: float = 900.0,
        lockout_s: float = 900.0,
        max_failures_per_address: int = 50,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = {
            "account": _Limit(max_failures, window_s, lockout_s),
            "address": _Limit(max_failures_per_address, window_s, lockout_s),
        }
        self._clock = clock
        self._tallies: dict[tuple[str, str], _Tally] = {}
        self._calls = 0

    def begin(self, account: str, address: str) -> LoginAttempt:
        """Start an attempt, or raise `LoginLocked` if the account or the address is locked."""
        now = self._clock()
        self._calls += 1
        if self._calls % _SWEEP_EVERY == 0:
            self._sweep(now)
        keys = (("account", account), ("address", address))
        waits = [self._wait(key, now) for key in keys]
        if any(wait is not None for wait in waits):
            raise LoginLocked(max(wait or 0 for wait in waits))
        for key in keys:
            self._tallies.setdefault(key, _Tally()).in_flight += 1
        return LoginAttempt(self, account, address)

    def _wait(self, key: tuple[str, str], now: float) -> int | None:
        tally = self._tallies.get(key)
        if tally is None:
            return None
        limit = self._limits[key[0]]
        if tally.locked_until > now:
            return max(1, math.ceil(tally.locked_until - now))
        self._forget_old(tally, limit, now)
        if len(tally.failures) + tally.in_flight >= limit.max_failures:
            # Attempts in flight would reach the limit: wait until they are settled.
            return 1
        return None

    def _settle(self, account: str, address: str, failed: bool, reset_account: bool) -> None:
        now = self._clock()
        for kind, name in (("account", account), ("address", address)):
            tally = self._tallies.get((kind, name))
            if tally is None:  # swept only when nothing is in flight, so never here
                continue
            tally.in_flight -= 1
            limit = self._limits[kind]
            if failed:
                self._forget_old(tally, limit, now)
                tally.failures.append(now)
                if len(tally.failures) >= limit.max_failures:
                    tally.locked_until = now + limit.lockout_s
                    tally.failures.clear()
            elif reset_account and kind == "account":
                tally.failures.clear()
                tally.locked_until = 0.0

    @staticmethod
    def _forget_old(tally: _Tally, limit: _Limit, now: float) -> None:
        while tally.failures and tally.failures[0] <= now - limit.window_s:
            tally.failures.popleft()

    def _sweep(self, now: float) -> None:
        for key in list(self._tallies):
            tally = self._tallies[key]
            self._forget_old(tally, self._limits[key[0]], now)
            if tally.idle(now):
                del self._tallies[key]

    def __len__(self) -> int:
        return len(self._tallies)


class RegistrationThrottled(Exception):
    """Too many registrations, from this address or from everyone: retry in `retry_after_s`."""

    def __init__(self, retry_after_s: int, scope: str) -> None:
        super().__init__(f"too many registrations {scope}; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s
        self.scope = scope


class RegistrationThrottle:
    """Registrations per client address (a sliding window) and in all (a token bucket).

    Checked before the password is hashed: each registration costs an argon2 hash (19 MiB,
    tens of milliseconds of a core), so a flood must be refused before it costs anything.
    In-process and per replica, like the login throttle, for the same reasons (see the
    module's docstring); the global rate is per replica too.
    """

    def __init__(
        self,
        *,
        max_per_address: int = 20,
        window_s: float = 3600.0,
        per_second: float = 20.0,
        burst: int = 40,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_per_address = max_per_address
        self._window_s = window_s
        self._per_second = per_second
        self._burst = float(burst)
        self._clock = clock
        self._tokens = float(burst)
        self._refilled_at = clock()
        self._by_address: dict[str, deque[float]] = {}
        self._calls = 0

    def admit(self, address: str) -> None:
        """Count one registration from `address`, or raise `RegistrationThrottled`."""
        now = self._clock()
        self._calls += 1
        if self._calls % _SWEEP_EVERY == 0:
            self._sweep(now)
        recent = self._by_address.setdefault(address, deque())
        while recent and recent[0] <= now - self._window_s:
            recent.popleft()
        if len(recent) >= self._max_per_address:
            wait = recent[0] + self._window_s - now
            raise RegistrationThrottled(max(1, math.ceil(wait)), "from this address")
        self._tokens = min(self._burst, self._tokens + (now - self._refilled_at) * self._per_second)
        self._refilled_at = now
        if self._tokens < 1:
            wait = (1 - self._tokens) / self._per_second
            raise RegistrationThrottled(max(1, math.ceil(wait)), "right now")
        self._tokens -= 1
        recent.append(now)

    def _sweep(self, now: float) -> None:
        for address in list(self._by_address):
            recent = self._by_address[address]
            if not recent or recent[-1] <= now - self._window_s:
                del self._by_address[address]
