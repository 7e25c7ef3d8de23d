"""Applied batches are freed a slice at a time by the fetching side, never all at once."""

from __future__ import annotations

import gc
import weakref

from azora.consume.batch import Batch
from azora.consume.fetching import SpentBatches
from tests.unit.test_batch_decoding import SERVICE, TOPIC, decoded, record, registered


class Payload:
    """Stands in for an event's payload, so a test can see when it is freed."""


def applied_batch(size: int) -> tuple[Batch, list[weakref.ref[Payload]]]:
    """A batch of `size` events as the applier leaves it (its first-of-each-id list made),
    and a weak reference to each event's payload."""
    batch = decoded(*(record(TOPIC, offset, registered()) for offset in range(size)))
    payloads = [Payload() for _ in range(size)]
    batch.events = [e._replace(payload=p) for e, p in zip(batch.events, payloads, strict=True)]
    batch.unique(SERVICE)
    refs = [weakref.ref(p) for p in payloads]
    del payloads
    return batch, refs


def alive(refs: list[weakref.ref[Payload]]) -> int:
    gc.collect()  # only reference counts should free them; this rules out a cycle hiding it
    return sum(ref() is not None for ref in refs)


def test_an_applied_batch_is_freed_one_slice_at_a_time() -> None:
    batch, refs = applied_batch(5)
    spent = SpentBatches()
    spent.add(batch)
    del batch
    assert alive(refs) == 5

    spent.free(2)
    # The batch's first-of-each-id list held every event too: freed slices really go.
    assert [ref() is None for ref in refs] == [False, False, False, True, True]

    spent.free(2)
    assert alive(refs) == 1
    spent.free(2)
    assert alive(refs) == 0
    assert len(spent) == 0


def test_batches_are_freed_newest_first_and_freeing_nothing_is_harmless() -> None:
    spent = SpentBatches()
    spent.free(10)
    first, first_refs = applied_batch(2)
    second, second_refs = applied_batch(2)
    spent.add(first)
    spent.add(second)
    del first, second

    spent.free(10)
    assert (alive(first_refs), alive(second_refs), len(spent)) == (2, 0, 1)
    spent.free(10)
    assert (alive(first_refs), len(spent)) == (0, 0)
