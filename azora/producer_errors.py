"""Producer errors that no retry with the same producer can cure.

An idempotent producer numbers its batches per partition; when the broker lost that
state (a restart that truncated its log, a producer id expired), every later send fails
with one of these until the producer starts over with a new id. Whoever owns a producer
replaces it on these and lets the send be retried.
"""

from __future__ import annotations

from aiokafka.errors import (
    InvalidProducerIdMapping,
    OutOfOrderSequenceNumber,
    ProducerFenced,
    UnknownProducerId,
)

FATAL_PRODUCER_ERRORS: tuple[type[Exception], ...] = (
    OutOfOrderSequenceNumber,
    UnknownProducerId,
    InvalidProducerIdMapping,
    ProducerFenced,
)


def needs_new_producer(exc: BaseException) -> bool:
    """True when the producer that raised `exc` must be replaced before sending again."""
    return isinstance(exc, FATAL_PRODUCER_ERRORS)
