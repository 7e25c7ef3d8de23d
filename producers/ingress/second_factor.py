"""Second factors that work once: TOTP time steps and recovery codes.

The login decision is made here, in the ingress, so this is where a code is marked used:
the check and the mark happen with no `await` between them, so two logins racing with one
code in this process cannot both pass. The use is then published (`user.mfa_code_used`)
and projected into `read.credentials`, so another replica, or this one after a restart,
refuses it too once the fact is projected (milliseconds later; the same bound as the login
throttle's, see `throttle.py`). The in-memory record only has to bridge that gap, so once
it holds many entries it drops the steps that have left the window of acceptable codes and
the recovery codes spent more than ten minutes ago.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from collections.abc import Callable, Collection
from datetime import UTC, datetime

import pyotp

# One step either side of now: a code typed just before its step ended still works.
VALID_WINDOW = 1
RECOVERY_CODES = 10
_RECOVERY_MEMORY_S = 600.0


def matching_step(secret: str, code: str, now: float) -> int | None:
    """The TOTP time step whose code is `code` (within the valid window), or None."""
    totp = pyotp.TOTP(secret)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        at = now + offset * totp.interval
        if hmac.compare_digest(totp.at(at), code):
            return int(totp.timecode(datetime.fromtimestamp(at, UTC)))
    return None


def normalised(code: str) -> str:
    """A recovery code as it was issued: upper case, no separators."""
    return code.replace("-", "").replace(" ", "").upper()


def recovery_hash(code: str) -> str:
    """The digest stored for a recovery code (80 random bits: a fast digest suffices)."""
    return hashlib.sha256(normalised(code).encode()).hexdigest()


def recovery_codes(key: str, command_id: uuid.UUID) -> list[str]:
    """The recovery codes issued with the MFA verification `command_id`.

    Derived from the command id under the server's key, so a retried request (same
    Idempotency-Key, same command) shows the same codes the published command holds.
    """
    codes = []
    for n in range(RECOVERY_CODES):
        digest = hmac.new(key.encode(), f"recovery:{command_id}:{n}".encode(), "sha256")
        raw = base64.b32encode(digest.digest()[:10]).decode()  # 16 characters, 80 bits
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


class UsedCodes:
    """What this process saw used and its read model may not show yet."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._steps: dict[uuid.UUID, int] = {}
        self._recovery: dict[tuple[uuid.UUID, str], float] = {}

    def take_step(self, user_id: uuid.UUID, step: int, last_recorded: int) -> bool:
        """Use `step` if it is later than every step used before; False if it is not."""
        self._forget_old()
        if step <= max(last_recorded, self._steps.get(user_id, -1)):
            return False
        self._steps[user_id] = step
        return True

    def take_recovery(self, user_id: uuid.UUID, digest: str, unused: Collection[str]) -> bool:
        """Spend the recovery code with `digest` if it is one of `unused` and not spent here."""
        self._forget_old()
        if digest not in unused or (user_id, digest) in self._recovery:
            return False
        self._recovery[(user_id, digest)] = self._clock()
        return True

    def _forget_old(self) -> None:
        now = self._clock()
        current = int(now // 30)
        if len(self._steps) > 1024:
            self._steps = {u: s for u, s in self._steps.items() if s >= current - VALID_WINDOW}
        if len(self._recovery) > 1024:
            self._recovery = {
                k: at for k, at in self._recovery.items() if at > now - _RECOVERY_MEMORY_S
            }
