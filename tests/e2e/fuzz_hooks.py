"""Schemathesis hooks for the e2e fuzz run (`hooks = "tests.e2e.fuzz_hooks"` in its config)."""

from __future__ import annotations

import math
from typing import Any

import schemathesis


@schemathesis.hook
def before_call(
    context: schemathesis.HookContext, case: schemathesis.Case[Any], kwargs: Any
) -> None:
    """Hold `GET /v1/commands/{id}?wait=` for 0.1 s at most: a valid wait stays valid, shorter.

    Waits of up to 30 s are valid, and every phase (the coverage phase's boundary values too,
    which arrive as text) would spend them on command ids that never settle.
    """
    if not case.query or "wait" not in case.query:
        return
    wait = case.query["wait"]
    if isinstance(wait, bool) or not isinstance(wait, int | float | str):
        return
    try:
        seconds = float(wait)
    except ValueError:
        return
    if math.isfinite(seconds) and 0.1 < seconds <= 30:
        case.query["wait"] = "0.1" if isinstance(wait, str) else 0.1
