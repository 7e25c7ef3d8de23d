"""The consume loop and the outbox relay: batches, fetching, retries, group membership,
the inbox's memory."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ConsumerSettings(BaseModel):
    """How consumers fetch, batch, retry and commit, and how much the relay sends at once."""

    consumer_max_batch: int = Field(default=1000, ge=1)
    # The broker holds a fetch until this many bytes are there or the wait is up. A fetch
    # per record (min 1 byte) costs the broker, the client and Postgres (a transaction per
    # tiny batch) so much that at 500 commands/s two cores saturate and latency queues up;
    # a 20 ms wait per hop batches records and keeps p99 lower than answering at once.
    consumer_fetch_wait_ms: int = Field(default=20, ge=0)
    consumer_fetch_min_bytes: int = Field(default=64 * 1024, ge=1)
    # Those two hold while records flow. After a poll that found nothing, the next fetch asks
    # for one byte and the broker may hold it this long (`azora/consume/polling.py`): an
    # idle consumer asks once every five seconds instead of fifty times a second, and the
    # first record after a lull is answered the moment it arrives. Readiness asks Kafka on
    # a connection of its own (`azora/health/kafka_answers.py`), never behind a held fetch.
    # (bench/profiled.md: an idle stack at 1 s read 5.3 % of a core, at 5 s 4.3 %.)
    consumer_idle_fetch_wait_ms: int = Field(default=5000, ge=0, le=30_000)
    # Handler errors that are neither transient nor permanent get this many tries, then the DLQ.
    consumer_max_attempts: int = Field(default=5, ge=1)
    # A record body larger than this is dead-lettered without being decoded.
    consumer_max_record_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Offsets go to Kafka (for its lag tools; Postgres holds the truth) at most this often.
    consumer_kafka_commit_interval_s: float = Field(default=1.0, ge=0)
    retry_backoff_initial_s: float = 0.2
    retry_backoff_max_s: float = 30.0
    # How fast the group notices a dead member (a SIGKILLed consumer) and rebalances.
    consumer_session_timeout_ms: int = Field(default=30_000, ge=6_000)
    consumer_heartbeat_ms: int = Field(default=3_000, ge=100)
    # How long an event id stays in a consumer's inbox. A duplicate published later than
    # this (a relay re-send comes within seconds, a client retry within hours) is applied.
    inbox_retention_s: int = Field(default=7 * 24 * 3600, ge=3600)
    # How often the leading relay deletes the ids past it: each round deletes that much of
    # the load's ids (under load, often and small beats rare and large).
    inbox_prune_interval_s: float = Field(default=60.0, ge=1, le=3600)
    relay_batch: int = Field(default=1000, ge=1)
