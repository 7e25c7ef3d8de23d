"""Where the end-to-end time goes: every command's marks along its way, and each hop's
p50/p99 across the commands.

No benchmark-only code runs in the stack: every mark is a timestamp the product already
keeps, read back after the run (all on this machine's one wall clock):

- `posted`, `accepted`: the load's clients sent the POST, got its 202.
- `built`: the command envelope's `occurred_at`: the ingress built it (token and body
  checked).
- `wallet_began`: the wallet's inbox row for the command, `received_at` (`now()`: the
  start of the batch's transaction).
- `wallet_committed`: that row's commit time (`pg_xact_commit_timestamp`, kept by
  Postgres with `track_commit_timestamp = on`).
- `relayed`: the outcome record's Kafka timestamp: the relay handed it to its producer
  (1 ms resolution).
- `projection_began`, `projection_committed`: the settled `read.command_status` row's
  `updated_at` (its transaction's start) and commit time.
- `notified`: the load's LISTEN connection received the NOTIFY.
- `answered`: for a sample, `GET /v1/commands/{id}?wait=` answered with the outcome.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bench.percentiles import percentile

Marks = Mapping[str, float]

# (hop, from mark, to mark): consecutive hops from the ingress to the waiter.
HOPS: tuple[tuple[str, str, str], ...] = (
    ("ingress: POST → command built (HTTP, token, body)", "posted", "built"),
    ("ingress publish: built → 202 (acks=all, response)", "built", "accepted"),
    ("Kafka → wallet batch begins (fetch wait, decode)", "built", "wallet_began"),
    ("wallet batch: apply + commit", "wallet_began", "wallet_committed"),
    ("outbox relay: commit → handed to Kafka", "wallet_committed", "relayed"),
    ("Kafka → projection batch begins", "relayed", "projection_began"),
    ("projection batch: apply + commit", "projection_began", "projection_committed"),
    ("NOTIFY: commit → listener", "projection_committed", "notified"),
    ("waiter: NOTIFY → ?wait= answered", "notified", "answered"),
)
# Without commit times (track_commit_timestamp off) two pairs of hops can only be shown
# together: each stands in when no command has the mark named last.
MERGED_HOPS: tuple[tuple[str, str, str, str], ...] = (
    (
        "wallet batch + outbox relay: begins → handed to Kafka",
        "wallet_began",
        "relayed",
        "wallet_committed",
    ),
    (
        "projection batch + NOTIFY: begins → listener",
        "projection_began",
        "notified",
        "projection_committed",
    ),
)
TOTAL = ("total: command built → listener", "built", "notified")


@dataclass(frozen=True)
class Hop:
    """One hop's spread across the commands that have both of its marks."""

    name: str
    commands: int
    p50_ms: float
    p99_ms: float


def hops(marks: Mapping[str, Marks]) -> list[Hop]:
    """Each hop's p50 and p99 over `marks` (command → mark → seconds on one clock).

    A hop is left out when no command has both its marks (a sample nobody took, commit
    times Postgres does not keep); the merged hops stand in for the split ones then.
    """
    present = {mark for seen in marks.values() for mark in seen}
    merged = [(n, start, end) for n, start, end, split_by in MERGED_HOPS if split_by not in present]
    return [*_spread(HOPS, marks), *_spread(merged, marks), *_spread((TOTAL,), marks)]


def _spread(chosen: Sequence[tuple[str, str, str]], marks: Mapping[str, Marks]) -> list[Hop]:
    out = []
    for name, start, end in chosen:
        spans = [
            (seen[end] - seen[start]) * 1000
            for seen in marks.values()
            if start in seen and end in seen
        ]
        if spans:
            out.append(Hop(name, len(spans), percentile(spans, 0.50), percentile(spans, 0.99)))
    return out


def consistent(marks: Mapping[str, float]) -> bool:
    """Whether a command's settled row still shows the transaction that settled it.

    The command and its outcome travel on different topics; when the outcome is applied
    first, the command's later `pending` upsert rewrites the row's time and transaction
    (the status stays settled). Such a row's marks come after its NOTIFY: not this hop's.
    """
    notified = marks.get("notified")
    committed = marks.get("projection_committed", marks.get("projection_began"))
    return notified is None or committed is None or committed <= notified
