"""The knobs of one consume loop."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LoopSettings:
    """Knobs of one consume loop."""

    max_batch: int = 1000
    fetch_wait_ms: int = 100
    # After a poll that found nothing, a fetch waits this long for one byte (`polling`).
    idle_fetch_wait_ms: int = 5000
    max_attempts: int = 5
    backoff_initial_s: float = 0.2
    backoff_max_s: float = 30.0
    emit_enabled: bool = True
    # A record body larger than this is dead-lettered undecoded (Kafka's own default
    # max.message.bytes is about 1 MiB): one huge record must not hold a batch's memory.
    max_record_bytes: int = 1024 * 1024
    # Kafka's copy of the offsets (for lag tools) is refreshed at most this often: a commit
    # per batch cost the broker and this process a request each for nothing Postgres lacks.
    kafka_commit_interval_s: float = 1.0
    # How long a rebalance waits for the batch being applied before the member rejoins
    # without it: well inside the rebalance timeout (the session timeout), or the group
    # evicts the member (`offsets.SeekToStoredOffsets`).
    revoke_wait_s: float = 10.0
