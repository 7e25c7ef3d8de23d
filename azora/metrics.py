"""Prometheus metrics shared by every process (one registry, names in one place)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS = Counter(
    "azora_consumer_events_total",
    "Events seen by a consumer group, by outcome "
    "(applied, ignored, duplicate, dead_lettered, skipped).",
    ["group", "topic", "outcome"],
)
BATCH_SIZE = Histogram(
    "azora_consumer_batch_size",
    "Records per processed batch.",
    ["group"],
    buckets=(1, 5, 10, 50, 100, 250, 500, 1000, 2500),
)
BATCH_SECONDS = Histogram(
    "azora_consumer_batch_seconds",
    "Time to apply one batch in its database transaction.",
    ["group"],
)
HANDLER_SECONDS = Histogram(
    "azora_consumer_handler_seconds",
    "Time spent in a topic's handler for one batch.",
    ["group", "topic"],
)
RETRIES = Counter(
    "azora_consumer_retries_total",
    "Batches retried, by kind of error (transient, handler).",
    ["group", "kind"],
)
DEAD_LETTERS = Counter(
    "azora_consumer_dead_letters_total",
    "Records sent to a dead-letter topic.",
    ["group", "topic"],
)
OUTBOX_SENT = Counter("azora_outbox_sent_total", "Outbox records published by the relay.")
OUTBOX_DEPTH = Gauge("azora_outbox_depth", "Outbox records waiting after the relay's last pass.")
OUTBOX_DELAY = Histogram(
    "azora_outbox_relay_delay_seconds",
    "From an outbox row's insert to the broker's ack.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
