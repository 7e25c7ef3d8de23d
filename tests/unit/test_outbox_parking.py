"""Which refusals park an outbox row, and which leave it to be retried with its batch."""

from __future__ import annotations

import pytest
from aiokafka.errors import (
    InvalidTopicError,
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    NotEnoughReplicasError,
    RecordListTooLargeError,
    TopicAuthorizationFailedError,
    UnknownTopicOrPartitionError,
)

from azora.outbox_parking import never_sendable, reason


@pytest.mark.parametrize(
    "error", [MessageSizeTooLargeError(), RecordListTooLargeError(), InvalidTopicError()]
)
def test_a_record_refused_for_what_it_is_is_never_sendable(error: Exception) -> None:
    assert never_sendable(error)


@pytest.mark.parametrize(
    "error",
    [
        KafkaTimeoutError(),
        KafkaConnectionError(),
        NotEnoughReplicasError(),
        # Fixed outside the record (a topic created, an ACL granted): a retry then succeeds.
        UnknownTopicOrPartitionError(),
        TopicAuthorizationFailedError(),
        ValueError("a bug of ours"),
    ],
)
def test_an_outage_or_a_setting_is_retried_with_the_batch(error: Exception) -> None:
    assert not never_sendable(error)


def test_the_reason_names_the_error_once_and_stays_short() -> None:
    kafkas = reason(MessageSizeTooLargeError("x" * 10_000))
    others = reason(ValueError("no name in here"))

    assert kafkas.startswith("[Error 10] MessageSizeTooLargeError: xxx")
    assert kafkas.count("MessageSizeTooLargeError") == 1
    assert len(kafkas) == 2000
    assert others == "ValueError: no name in here"
