"""Results of outside calls held by event id for retries, within a bound."""

from __future__ import annotations

import uuid

import pytest

from azora.consume.held import HeldResults


def test_a_held_result_is_found_again_by_its_event_id() -> None:
    held: HeldResults[str] = HeldResults(capacity=2)
    event = uuid.uuid4()
    assert held.get(event) is None
    assert held.keep(event, "the answer") == "the answer"
    assert held.get(event) == "the answer"


def test_past_its_capacity_the_oldest_result_goes() -> None:
    held: HeldResults[int] = HeldResults(capacity=2)
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    held.keep(first, 1)
    held.keep(second, 2)
    held.keep(first, 1)  # kept again: the most recent now
    held.keep(third, 3)
    assert len(held) == 2
    assert held.get(second) is None
    assert (held.get(first), held.get(third)) == (1, 3)


def test_a_capacity_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        HeldResults[int](capacity=0)
