"""Process-wide tuning for long-running processes: consumers and the ingress."""

from __future__ import annotations

import ctypes
import gc
import signal
from collections.abc import Coroutine
from typing import Any, TypeVar

import uvloop

T = TypeVar("T")

# A batch of a thousand events allocates tens of thousands of short-lived objects; with
# the default threshold (700) the collector runs dozens of times per batch.
GEN0_THRESHOLD = 50_000
# Objects the collector tracks per event of a batch, rounded up (an envelope and a payload
# with their dicts and field sets, their UUIDs, the event). A young collection walks every
# young object still alive: a batch alive across several collections is walked by each,
# so the threshold grows with the batch, and a batch is walked about once.
TRACKED_PER_EVENT = 50
# A request allocates a few hundred objects: collect every few dozen requests, not every few.
REQUEST_GEN0_THRESHOLD = 10_000
PR_SET_PDEATHSIG = 1


def tune_gc_for_batches(max_batch: int = 1_000) -> None:
    """Collect young objects less often (about once per batch of `max_batch` events) and
    never rescan what start-up left behind."""
    _freeze_and_collect_young_every(max(GEN0_THRESHOLD, TRACKED_PER_EVENT * max_batch))


def tune_gc_for_requests() -> None:
    """Never rescan what start-up left behind; collect young objects a little less often."""
    _freeze_and_collect_young_every(REQUEST_GEN0_THRESHOLD)


def _freeze_and_collect_young_every(allocations: int) -> None:
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(allocations, gen1, gen2)


def run_service(main: Coroutine[Any, Any, T]) -> T:
    """Run a long-running process's main coroutine on uvloop, as uvicorn runs the ingress.

    The consumers and the relay wake for every Kafka fetch, Postgres round trip and timer.
    At 1,000 commands/s the projections, the wallet and the relay used 6-11 % less CPU on
    uvloop than on asyncio's own loop (bench/profiled.md, thirteenth session). Their code
    uses nothing but asyncio's public API, which uvloop implements.
    """
    return uvloop.run(main)


def die_with_parent() -> None:
    """In a child process (as `preexec_fn`): be SIGKILLed when the parent dies (Linux)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:  # not Linux: supervisors fall back to their own shutdown
        return
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
