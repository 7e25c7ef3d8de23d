"""Process-wide tuning for long-running processes: consumers and the ingress."""

from __future__ import annotations

import ctypes
import gc
import signal

# A batch of a thousand events allocates tens of thousands of short-lived objects; with
# the default threshold (700) the collector runs dozens of times per batch.
GEN0_THRESHOLD = 50_000
# A request allocates a few hundred objects: collect every few dozen requests, not every few.
REQUEST_GEN0_THRESHOLD = 10_000
PR_SET_PDEATHSIG = 1


def tune_gc_for_batches() -> None:
    """Collect young objects less often and never rescan what start-up left behind."""
    _freeze_and_collect_young_every(GEN0_THRESHOLD)


def tune_gc_for_requests() -> None:
    """Never rescan what start-up left behind; collect young objects a little less often."""
    _freeze_and_collect_young_every(REQUEST_GEN0_THRESHOLD)


def _freeze_and_collect_young_every(allocations: int) -> None:
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(allocations, gen1, gen2)


def die_with_parent() -> None:
    """In a child process (as `preexec_fn`): be SIGKILLed when the parent dies (Linux)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:  # not Linux: supervisors fall back to their own shutdown
        return
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
