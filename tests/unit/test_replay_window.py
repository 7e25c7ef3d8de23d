"""Export windows: how bounds read, and where each partition starts and stops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from stack.replay.window import (
    EARLIEST,
    LATEST,
    AtOffset,
    AtTime,
    Span,
    parse_bound,
    resolve,
    span,
)


def test_earliest_and_latest_are_words() -> None:
    assert parse_bound("earliest") == EARLIEST
    assert parse_bound("LATEST") == LATEST


def test_a_number_is_an_offset() -> None:
    assert parse_bound("1200") == AtOffset(1200)
    assert parse_bound("0") == AtOffset(0)


def test_a_negative_offset_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        parse_bound("-5")


def test_a_time_with_z_is_utc() -> None:
    bound = parse_bound("2024-05-01T12:00:00Z")
    assert bound == AtTime(datetime(2024, 5, 1, 12, tzinfo=UTC))
    assert isinstance(bound, AtTime)
    assert bound.ms == 1714564800000


def test_a_time_with_an_offset_is_the_same_instant_in_utc() -> None:
    bound = parse_bound("2024-05-01T14:00:00.250+02:00")
    assert isinstance(bound, AtTime)
    assert bound.at == datetime(2024, 5, 1, 14, 0, 0, 250000, tzinfo=timezone(timedelta(hours=2)))
    assert bound.ms == 1714564800250


def test_a_time_without_an_offset_is_refused_because_it_is_ambiguous() -> None:
    with pytest.raises(ValueError, match="offset or Z"):
        parse_bound("2024-05-01T12:00:00")


def test_nonsense_says_what_a_bound_may_be() -> None:
    with pytest.raises(ValueError, match="earliest, latest, an offset"):
        parse_bound("yesterday")


def test_milliseconds_are_exact_and_a_fraction_of_one_rounds_up() -> None:
    assert parse_bound("2024-05-01T12:00:00.123Z") == AtTime(
        datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)
    )
    assert AtTime(datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)).ms == 1714564800123
    assert AtTime(datetime(2024, 5, 1, 12, 0, 0, 123001, tzinfo=UTC)).ms == 1714564800124


def test_a_time_before_1970_asks_kafka_for_zero() -> None:
    assert AtTime(datetime(1960, 1, 1, tzinfo=UTC)).ms == 0


def test_the_default_window_is_the_whole_partition_as_it_is_now() -> None:
    assert span(EARLIEST, LATEST, beginning=40, end=100) == Span(40, 100)


def test_offsets_are_clamped_to_what_the_partition_holds() -> None:
    assert resolve(AtOffset(5), beginning=40, end=100, by_time=None) == 40
    assert resolve(AtOffset(500), beginning=40, end=100, by_time=None) == 100
    assert span(AtOffset(50), AtOffset(60), beginning=40, end=100) == Span(50, 60)


def test_a_time_resolves_to_the_offset_kafka_found_for_it() -> None:
    at = AtTime(datetime(2024, 5, 1, tzinfo=UTC))
    assert resolve(at, beginning=0, end=100, by_time=42) == 42


def test_a_time_past_every_record_resolves_to_the_end() -> None:
    at = AtTime(datetime(2024, 5, 1, tzinfo=UTC))
    assert resolve(at, beginning=0, end=100, by_time=None) == 100


def test_a_window_entirely_after_the_data_is_empty() -> None:
    later = AtTime(datetime(2030, 1, 1, tzinfo=UTC))
    window = span(later, LATEST, beginning=0, end=100, start_by_time=None)
    assert window.size == 0


def test_a_window_that_ends_before_it_starts_is_empty_not_negative() -> None:
    window = span(AtOffset(80), AtOffset(20), beginning=0, end=100)
    assert window == Span(80, 80)
    assert window.size == 0


def test_an_empty_partition_has_an_empty_window() -> None:
    assert span(EARLIEST, LATEST, beginning=0, end=0).size == 0
