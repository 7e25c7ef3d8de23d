"""Accounts at the ingress: how long tokens live, and how sign-ins and registrations are
throttled (per ingress replica: `producers/ingress/throttle.py` says why)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AccountSettings(BaseModel):
    """Token lifetimes and the login and registration throttles."""

    access_token_ttl_s: int = Field(default=900, ge=30)
    refresh_token_ttl_s: int = Field(default=30 * 24 * 3600, ge=60)
    # This many failed logins for one email within the window lock it for the lockout; an
    # address gets a larger allowance, since many people may share one (an office, a NAT).
    login_max_failures: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=50, ge=1)
    login_failure_window_s: float = Field(default=900.0, gt=0)
    login_lockout_s: float = Field(default=900.0, gt=0)
    # Checked before the password is hashed (argon2 costs 19 MiB and tens of ms each): this
    # many per client address within the window, and at most this rate (with this burst)
    # from everyone.
    registration_max_per_address: int = Field(default=20, ge=1)
    registration_window_s: float = Field(default=3600.0, gt=0)
    registrations_per_second: float = Field(default=20.0, gt=0)
    registration_burst: int = Field(default=40, ge=1)
