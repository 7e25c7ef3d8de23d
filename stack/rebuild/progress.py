"""What a rebuild reports: how far it has come while it runs, and how it ended."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from stack.rebuild.versions import Shadow


@dataclass
class Progress:
    """Where a rebuild stands: shown by the CLI, returned to callers."""

    applied: int = 0
    remaining: int = 0
    passes: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def rate(self) -> float:
        return self.applied / max(1e-9, time.monotonic() - self.started)


@dataclass(frozen=True)
class Outcome:
    """How a rebuild ended."""

    shadow: Shadow
    swapped: bool
    resumed: bool
    applied: int
    seconds: float
    # table → (live digest, rebuilt digest), when asked to verify.
    checksums: dict[str, tuple[str, str]]
